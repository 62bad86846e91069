{
  "targets": [
    {
      "target_name": "rdma_verbs",
      "sources": [
        "src/addon.cc",
        "src/common.cc",
        "src/context.cc",
        "src/pd.cc",
        "src/mr.cc",
        "src/cq.cc",
        "src/qp.cc",
        "src/batch.cc",
        "src/qp_batch.cc",
        "src/wr.cc"
      ],
      "include_dirs": ["<!(node -p \"process.env.RDMA_NODE_ADDON_API || require('node-addon-api').include_dir\")"],
      "libraries": ["-libverbs"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
    }
  ]
}
