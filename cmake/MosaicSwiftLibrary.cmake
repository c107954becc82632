# Builds the Swift C-ABI library (libMosaicCAPI.so) with SwiftPM and exposes it as Mosaic::CAPI.
set(MOSAIC_ROOT "${CMAKE_CURRENT_LIST_DIR}/..")
find_program(SWIFT_EXECUTABLE swift HINTS /opt/swift/usr/bin REQUIRED)
set(MOSAIC_SWIFT_CONFIGURATION release CACHE STRING "SwiftPM configuration for libMosaicCAPI")
set(MOSAIC_CAPI_LIBRARY "${MOSAIC_ROOT}/.build/${MOSAIC_SWIFT_CONFIGURATION}/libMosaicCAPI.so")
set(MOSAIC_CAPI_INCLUDE_DIR "${MOSAIC_ROOT}/Sources/MosaicCAPI/include")
add_custom_target(mosaic_swift_capi ALL
  COMMAND "${SWIFT_EXECUTABLE}" build -c ${MOSAIC_SWIFT_CONFIGURATION} --product MosaicCAPI
  WORKING_DIRECTORY "${MOSAIC_ROOT}"
  BYPRODUCTS "${MOSAIC_CAPI_LIBRARY}"
  COMMENT "swift build --product MosaicCAPI (${MOSAIC_SWIFT_CONFIGURATION})"
  USES_TERMINAL)
add_library(Mosaic::CAPI SHARED IMPORTED GLOBAL)
set_target_properties(Mosaic::CAPI PROPERTIES
  IMPORTED_LOCATION "${MOSAIC_CAPI_LIBRARY}"
  IMPORTED_NO_SONAME TRUE
  INTERFACE_INCLUDE_DIRECTORIES "${MOSAIC_CAPI_INCLUDE_DIR}")
add_dependencies(Mosaic::CAPI mosaic_swift_capi)
