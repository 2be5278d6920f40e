{
  "targets": [
    {
      "target_name": "sekiwake_pcap",
      "sources": ["src/binding.cc", "src/capture.cc", "src/open.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags_cc": ["-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpcap"]
    }
  ]
}
