#include "open.h"

namespace sekiwake {
namespace {

// Symbolic names are stable across libpcap versions; the texts are not.
const char* StatusName(int status) {
  switch (status) {
    case PCAP_ERROR: return "ERROR";
    case PCAP_ERROR_NO_SUCH_DEVICE: return "NO_SUCH_DEVICE";
    case PCAP_ERROR_RFMON_NOTSUP: return "RFMON_NOTSUP";
    case PCAP_ERROR_NOT_RFMON: return "NOT_RFMON";
    case PCAP_ERROR_PERM_DENIED: return "PERM_DENIED";
    case PCAP_ERROR_IFACE_NOT_UP: return "IFACE_NOT_UP";
    case PCAP_ERROR_CANTSET_TSTAMP_TYPE: return "CANTSET_TSTAMP_TYPE";
    case PCAP_ERROR_PROMISC_PERM_DENIED: return "PROMISC_PERM_DENIED";
    case PCAP_ERROR_TSTAMP_PRECISION_NOTSUP: return "TSTAMP_PRECISION_NOTSUP";
    case PCAP_WARNING: return "WARNING";
    case PCAP_WARNING_PROMISC_NOTSUP: return "PROMISC_NOTSUP";
    case PCAP_WARNING_TSTAMP_TYPE_NOTSUP: return "TSTAMP_TYPE_NOTSUP";
    default: return "UNKNOWN";
  }
}

// pcap_geterr is only filled for some statuses; fall back to the generic
// text so a message is never empty.
PcapNotice Notice(pcap_t* handle, int status) {
  std::string text = pcap_geterr(handle);
  if (text.empty()) text = pcap_statustostr(status);
  return PcapNotice{StatusName(status), text};
}

OpenedHandle Failed(const char* code, PcapNotice notice) {
  OpenedHandle result;
  result.failureCode = code;
  result.failure = std::move(notice);
  return result;
}

// The setters can only fail on an activated handle, which this one is not,
// except the precision setter: without nanosecond support we scale
// microseconds ourselves.
void ConfigureLive(pcap_t* handle, const OpenConfig& config,
                   OpenedHandle& result) {
  pcap_set_snaplen(handle, config.snaplen);
  pcap_set_promisc(handle, config.promiscuous ? 1 : 0);
  pcap_set_timeout(handle, config.timeoutMs);
  pcap_set_buffer_size(handle, config.bufferBytes);
  pcap_set_immediate_mode(handle, config.immediate ? 1 : 0);
  int rc = pcap_set_tstamp_precision(handle, PCAP_TSTAMP_PRECISION_NANO);
  if (rc != 0) {
    result.nsecScale = 1000;
    result.warnings.push_back(
        {StatusName(rc), "nanosecond timestamps not supported, using us"});
  }
}

OpenedHandle OpenLive(const OpenConfig& config) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t* handle = pcap_create(config.device.c_str(), errbuf);
  if (handle == nullptr) return Failed("E_PCAP_OPEN", {"ERROR", errbuf});
  OpenedHandle result;
  ConfigureLive(handle, config, result);
  int rc = pcap_activate(handle);
  if (rc < 0) {
    OpenedHandle failed = Failed("E_PCAP_ACTIVATE", Notice(handle, rc));
    pcap_close(handle);
    return failed;
  }
  if (rc > 0) result.warnings.push_back(Notice(handle, rc));
  // Packets this host sends are not captured: a forwarder sending to a
  // watched port must not see its own output come back as input.
  if (config.inboundOnly && pcap_setdirection(handle, PCAP_D_IN) != 0) {
    result.warnings.push_back({"DIRECTION_NOTSUP", pcap_geterr(handle)});
  }
  result.handle = handle;
  return result;
}

OpenedHandle OpenOffline(const OpenConfig& config) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t* handle = pcap_open_offline_with_tstamp_precision(
      config.file.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (handle == nullptr) return Failed("E_PCAP_OPEN", {"ERROR", errbuf});
  OpenedHandle result;
  result.handle = handle;
  result.offline = true;
  return result;
}

// Netmask unknown: only "ip broadcast" needs it, and it then fails to compile
// with a clear message instead of matching the wrong thing.
bool ApplyFilter(pcap_t* handle, const std::string& filter) {
  bpf_program program;
  if (pcap_compile(handle, &program, filter.c_str(), 1,
                   PCAP_NETMASK_UNKNOWN) != 0) {
    return false;
  }
  int rc = pcap_setfilter(handle, &program);
  pcap_freecode(&program);
  return rc == 0;
}

}  // namespace

OpenedHandle OpenPcap(const OpenConfig& config) {
  OpenedHandle result =
      config.file.empty() ? OpenLive(config) : OpenOffline(config);
  if (result.handle == nullptr || config.filter.empty()) return result;
  if (!ApplyFilter(result.handle, config.filter)) {
    OpenedHandle failed = Failed("E_PCAP_FILTER", Notice(result.handle, -1));
    pcap_close(result.handle);
    return failed;
  }
  return result;
}

}  // namespace sekiwake
