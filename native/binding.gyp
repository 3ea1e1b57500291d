{
  "targets": [
    {
      "target_name": "handgrad_native",
      "sources": [
        "src/addon.cc",
        "src/matmul.cc",
        "src/sparse_matmul.cc",
        "src/elementwise.cc",
        "src/rows.cc",
        "src/reduce.cc",
        "src/transpose.cc",
        "src/updates.cc",
        "src/parallel.cc",
        "src/mlp.cc",
        "src/mlp_session.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(pkg-config --cflags-only-I openblas | sed -e 's/-I//g')"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-fno-math-errno", "-pthread"],
      "libraries": [
        "<!@(pkg-config --libs openblas)",
        "-Wl,-rpath,<!(pkg-config --variable=libdir openblas)",
        "-pthread"
      ]
    }
  ]
}
