// The OS's serial ports on Windows: the platform half of discovery.hpp
// (libserialport has no Windows build in Debian, so SetupAPI directly, as
// pyserial's list_ports_windows.py does for esptool). COM ports are the
// devices with the COM-port interface or in the "Ports" class; PortName
// in the device's registry key names them. HKLM\HARDWARE\DEVICEMAP\SERIALCOMM
// adds any port SetupAPI did not report (virtual ports, no USB details).
#include <windows.h>
// after windows.h
#include <cfgmgr32.h>
#include <setupapi.h>

#include <algorithm>
#include <cctype>

#include "espbak/link/discovery.hpp"
#include "espbak/link/usb_instance_id.hpp"

namespace espbak {

namespace {

// GUID_DEVINTERFACE_COMPORT (ntddser.h) and GUID_DEVCLASS_PORTS (devguid.h).
constexpr GUID kComPortInterface = {0x86E0D1E0, 0x8089, 0x11D0, {0x9C, 0xE4, 0x08, 0x00, 0x3E, 0x30, 0x1F, 0x73}};
constexpr GUID kPortsClass = {0x4D36E978, 0xE325, 0x11CE, {0xBF, 0xC1, 0x08, 0x00, 0x2B, 0xE1, 0x03, 0x18}};

std::string upper(std::string s) {
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string property(HDEVINFO set, SP_DEVINFO_DATA& dev, DWORD which) {
  char buf[1024] = {};
  DWORD type = 0;
  if (!SetupDiGetDeviceRegistryPropertyA(set, &dev, which, &type, reinterpret_cast<BYTE*>(buf), sizeof buf - 2,
                                         nullptr))
    return {};
  return buf;  // REG_MULTI_SZ (hardware ids): the first string
}

std::string port_name(HDEVINFO set, SP_DEVINFO_DATA& dev) {
  HKEY key = SetupDiOpenDevRegKey(set, &dev, DICS_FLAG_GLOBAL, 0, DIREG_DEV, KEY_READ);
  if (key == INVALID_HANDLE_VALUE) return {};
  char buf[256] = {};
  DWORD size = sizeof buf - 1, type = 0;
  bool ok = RegQueryValueExA(key, "PortName", nullptr, &type, reinterpret_cast<BYTE*>(buf), &size) == ERROR_SUCCESS &&
            type == REG_SZ;
  RegCloseKey(key);
  return ok ? std::string(buf) : std::string();
}

std::string instance_id(DEVINST inst) {
  char buf[MAX_DEVICE_ID_LEN + 1] = {};
  return CM_Get_Device_IDA(inst, buf, sizeof buf, 0) == CR_SUCCESS ? std::string(buf) : std::string();
}

PortInfo info_of(HDEVINFO set, SP_DEVINFO_DATA& dev, std::string name) {
  PortInfo info;
  info.device = std::move(name);
  info.description = property(set, dev, SPDRP_FRIENDLYNAME);
  info.manufacturer = property(set, dev, SPDRP_MFG);
  std::string hardware = property(set, dev, SPDRP_HARDWAREID);
  std::string instance = instance_id(dev.DevInst);
  auto id = parse_usb_device_id(instance);
  if (!id) id = parse_usb_device_id(hardware);
  if (id) {
    info.usb = id->usb;
    info.serial_number = id->serial_number;
    // One interface of a composite device (USB-JTAG-Serial, CDC): the
    // serial number is the parent device's (pyserial does the same).
    DEVINST parent = 0;
    if (info.serial_number.empty() && CM_Get_Parent(&parent, dev.DevInst, 0) == CR_SUCCESS)
      if (auto up = parse_usb_device_id(instance_id(parent)); up && up->usb.vid == id->usb.vid)
        info.serial_number = up->serial_number;
  }
  return info;
}

void add_from_setupapi(const GUID& guid, DWORD flags, std::vector<PortInfo>& out) {
  HDEVINFO set = SetupDiGetClassDevsA(&guid, nullptr, nullptr, flags | DIGCF_PRESENT);
  if (set == INVALID_HANDLE_VALUE) return;
  SP_DEVINFO_DATA dev{};
  dev.cbSize = sizeof dev;
  for (DWORD i = 0; SetupDiEnumDeviceInfo(set, i, &dev); ++i) {
    std::string name = port_name(set, dev);
    if (name.empty() || upper(name).starts_with("LPT")) continue;  // the Ports class holds printer ports too
    bool seen = std::any_of(out.begin(), out.end(), [&](const PortInfo& p) { return upper(p.device) == upper(name); });
    if (!seen) out.push_back(info_of(set, dev, std::move(name)));
  }
  SetupDiDestroyDeviceInfoList(set);
}

void add_from_serialcomm(std::vector<PortInfo>& out) {
  HKEY key = nullptr;
  if (RegOpenKeyExA(HKEY_LOCAL_MACHINE, "HARDWARE\\DEVICEMAP\\SERIALCOMM", 0, KEY_READ, &key) != ERROR_SUCCESS) return;
  for (DWORD i = 0;; ++i) {
    char value_name[256], data[256];
    DWORD name_len = sizeof value_name, data_len = sizeof data - 1, type = 0;
    LONG r = RegEnumValueA(key, i, value_name, &name_len, nullptr, &type, reinterpret_cast<BYTE*>(data), &data_len);
    if (r == ERROR_NO_MORE_ITEMS) break;
    if (r != ERROR_SUCCESS || type != REG_SZ) continue;
    data[data_len] = 0;
    std::string name = data;
    bool seen = std::any_of(out.begin(), out.end(), [&](const PortInfo& p) { return upper(p.device) == upper(name); });
    if (!name.empty() && !seen) {
      PortInfo info;
      info.device = name;
      info.description = value_name;  // the driver's device path, e.g. \Device\Serial0
      out.push_back(std::move(info));
    }
  }
  RegCloseKey(key);
}

}  // namespace

std::vector<PortInfo> enumerate_serial_ports() {
  std::vector<PortInfo> out;
  add_from_setupapi(kComPortInterface, DIGCF_DEVICEINTERFACE, out);
  add_from_setupapi(kPortsClass, 0, out);
  add_from_serialcomm(out);
  return out;
}

std::optional<PortInfo> describe_port(const std::string& device) {
  if (device.find("://") != std::string::npos) return std::nullopt;
  std::string want = upper(device.starts_with("\\\\.\\") ? device.substr(4) : device);
  for (auto& p : enumerate_serial_ports())
    if (upper(p.device) == want) {
      p.device = device;
      return p;
    }
  return std::nullopt;
}

}  // namespace espbak
