// parse_usb_device_id (link/usb_instance_id.hpp): the Windows device ids
// discovery_win.cpp reads, parsed on every host. The id forms are the ones
// pyserial's list_ports_windows.py matches.
#include <catch2/catch.hpp>

#include "espbak/link/usb_instance_id.hpp"

using espbak::parse_usb_device_id;

TEST_CASE("a USB instance id gives VID, PID and the serial number", "[discovery][windows]") {
  auto id = parse_usb_device_id("USB\\VID_10C4&PID_EA60\\0001");
  REQUIRE(id);
  CHECK(id->usb.vid == 0x10C4);
  CHECK(id->usb.pid == 0xEA60);
  CHECK(id->serial_number == "0001");

  auto espressif = parse_usb_device_id("USB\\VID_303A&PID_1001\\F4:12:FA:4F:DE:AD");
  REQUIRE(espressif);
  CHECK(espressif->usb.vid == 0x303A);
  CHECK(espressif->usb.pid == 0x1001);
  CHECK(espressif->serial_number == "F4:12:FA:4F:DE:AD");
}

TEST_CASE("hex digits and the VID_ and PID_ keys are read in either case", "[discovery][windows]") {
  auto id = parse_usb_device_id("usb\\vid_1a86&pid_55d4\\5323");
  REQUIRE(id);
  CHECK(id->usb.vid == 0x1A86);
  CHECK(id->usb.pid == 0x55D4);
  CHECK(id->serial_number == "5323");
}

TEST_CASE("a composite interface or a made-up instance part carries no serial", "[discovery][windows]") {
  auto interface = parse_usb_device_id("USB\\VID_303A&PID_1001&MI_00\\6&2A3B4C5D&0&0000");
  REQUIRE(interface);
  CHECK(interface->usb.pid == 0x1001);
  CHECK(interface->serial_number.empty());

  auto generated = parse_usb_device_id("USB\\VID_1A86&PID_7523\\5&1F2E3D4C&0&3");
  REQUIRE(generated);
  CHECK(generated->usb.vid == 0x1A86);
  CHECK(generated->serial_number.empty());

  auto hardware_id = parse_usb_device_id("USB\\VID_0403&PID_6010&REV_0700");
  REQUIRE(hardware_id);
  CHECK(hardware_id->usb.pid == 0x6010);
  CHECK(hardware_id->serial_number.empty());
}

TEST_CASE("FTDI's own driver joins VID, PID and serial with plus signs", "[discovery][windows]") {
  auto id = parse_usb_device_id("FTDIBUS\\VID_0403+PID_6001+A50285BIA\\0000");
  REQUIRE(id);
  CHECK(id->usb.vid == 0x0403);
  CHECK(id->usb.pid == 0x6001);
  CHECK(id->serial_number == "A50285BIA");
}

TEST_CASE("ids without a complete USB VID and PID are not USB devices", "[discovery][windows]") {
  CHECK_FALSE(parse_usb_device_id("ACPI\\PNP0501\\1"));
  CHECK_FALSE(parse_usb_device_id(""));
  CHECK_FALSE(parse_usb_device_id("USB\\VID_10C4"));
  CHECK_FALSE(parse_usb_device_id("USB\\VID_10C4&PID_EA6"));
  CHECK_FALSE(parse_usb_device_id("USB\\VID_XYZW&PID_EA60\\1"));
  CHECK_FALSE(parse_usb_device_id("USB\\VID_10C4 PID_EA60\\1"));
}
