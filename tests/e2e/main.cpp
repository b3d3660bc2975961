// Catch2 main for the end-to-end suite (separate binary from unit_tests).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
