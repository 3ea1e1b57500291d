{
  "variables": {
    # The GEMM behind matmul: own (handgrad's sgemm, no dependency), openblas or accelerate (macOS).
    # native/build.mjs sets it through GYP_DEFINES (OpenBLAS where pkg-config finds it); docs/native.md.
    "handgrad_gemm%": "own"
  },
  "targets": [
    {
      "target_name": "handgrad_native",
      "sources": [
        "src/addon.cc",
        "src/matmul.cc",
        "src/gemm.cc",
        "src/sgemm.cc",
        "src/sparse_matmul.cc",
        "src/elementwise.cc",
        "src/rows.cc",
        "src/reduce.cc",
        "src/transpose.cc",
        "src/updates.cc",
        "src/parallel.cc",
        "src/mlp.cc",
        "src/mlp_sparse_input.cc",
        "src/mlp_session.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-fno-math-errno", "-pthread"],
      "libraries": ["-pthread"],
      # macOS (clang through Xcode's settings, which ignore cflags_cc); untested here.
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "MACOSX_DEPLOYMENT_TARGET": "10.15",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno"]
      },
      "conditions": [
        ["handgrad_gemm=='openblas'", {
          "defines": ["HANDGRAD_GEMM_OPENBLAS"],
          "include_dirs": ["<!@(pkg-config --cflags-only-I openblas | sed -e 's/-I//g')"],
          "libraries": [
            "<!@(pkg-config --libs openblas)",
            "-Wl,-rpath,<!(pkg-config --variable=libdir openblas)"
          ]
        }],
        ["handgrad_gemm=='accelerate'", {
          "defines": ["HANDGRAD_GEMM_ACCELERATE"],
          "libraries": ["-framework Accelerate"]
        }]
      ]
    }
  ]
}
