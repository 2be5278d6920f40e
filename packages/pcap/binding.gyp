{ "targets": [ { "target_name": "sekiwake_pcap", "sources": [ "src/binding.cc" ],
  "include_dirs": [ "<!(node -p \"require('node-addon-api').include_dir\")" ],
  "defines": [ "NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS" ],
  "libraries": [ "-lpcap" ] } ] }
