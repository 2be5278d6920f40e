// Opening and configuring a libpcap handle, live or offline. No N-API here:
// failures come back as data and the binding turns them into JS values.
#pragma once

#include <pcap/pcap.h>

#include <string>
#include <vector>

namespace sekiwake {

struct OpenConfig {
  std::string device;  // empty when reading a file
  std::string file;    // empty when capturing live
  std::string filter;  // empty for no filter
  int snaplen = 262144;
  int bufferBytes = 32 << 20;
  int timeoutMs = 10;
  bool promiscuous = false;
  bool immediate = false;
  bool inboundOnly = false;
};

// A libpcap status (PCAP_ERROR_* or PCAP_WARNING_*) with its text.
struct PcapNotice {
  std::string status;   // symbolic name without the prefix, e.g. NO_SUCH_DEVICE
  std::string message;  // libpcap's error text
};

struct OpenedHandle {
  pcap_t* handle = nullptr;  // owned by the caller when set
  bool offline = false;
  uint32_t nsecScale = 1;  // 1000 when only microsecond stamps are available
  std::string failureCode;  // E_PCAP_* when handle is null
  PcapNotice failure;
  std::vector<PcapNotice> warnings;
};

OpenedHandle OpenPcap(const OpenConfig& config);

}  // namespace sekiwake
