# Install rules: headers, the libraries, the exported CMake package
# (orderstateConfig.cmake, one targets file per component) and pkg-config
# files. Included from the top-level CMakeLists.txt once every target exists.
# Exported targets link orderstate_warnings as $<BUILD_INTERFACE:...> only:
# it is this build's, not the package's.
#
# Components: core (orderstate::core), http (orderstate::http) and postgres
# (orderstate::postgres, when built). find_package(orderstate) without
# COMPONENTS loads every installed one.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ORDERSTATE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/orderstate)
set(ORDERSTATE_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Headers: every file of a component's include/orderstate tree is public
# (private headers live beside the sources).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/include/orderstate
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT orderstate_development
        FILES_MATCHING PATTERN "*.hpp")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/adapters/http/include/orderstate
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT orderstate_development
        FILES_MATCHING PATTERN "*.hpp")

set(ORDERSTATE_COMPONENTS core http)
set(orderstate_core_target orderstate_core)
set(orderstate_http_target orderstate_http)
if(TARGET orderstate_postgres)
  list(APPEND ORDERSTATE_COMPONENTS postgres)
  set(orderstate_postgres_target orderstate_postgres)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/postgres/include/orderstate
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT orderstate_development
          FILES_MATCHING PATTERN "*.hpp")
endif()

foreach(component IN LISTS ORDERSTATE_COMPONENTS)
  install(TARGETS ${orderstate_${component}_target}
          EXPORT orderstate_${component}_targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT orderstate_development
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT orderstate_runtime
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT orderstate_runtime
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT orderstate_${component}_targets
          FILE orderstate-${component}-targets.cmake
          NAMESPACE orderstate::
          DESTINATION ${ORDERSTATE_CMAKE_DIR} COMPONENT orderstate_development)
endforeach()

if(TARGET orderstate-server)
  install(TARGETS orderstate-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          COMPONENT orderstate_runtime)
endif()

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/orderstateConfig.cmake.in
  ${PROJECT_BINARY_DIR}/orderstateConfig.cmake
  INSTALL_DESTINATION ${ORDERSTATE_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/orderstateConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)  # 0.x: a minor release may break the API
install(FILES ${PROJECT_BINARY_DIR}/orderstateConfig.cmake
              ${PROJECT_BINARY_DIR}/orderstateConfigVersion.cmake
        DESTINATION ${ORDERSTATE_CMAKE_DIR} COMPONENT orderstate_development)

# pkg-config: relocatable (prefix found from the .pc file's own place), so
# `cmake --install --prefix` anywhere works. A static library lists its own
# dependencies in Libs: pkg-config --libs without --static must link.
file(RELATIVE_PATH ORDERSTATE_PC_TO_PREFIX "/prefix/${ORDERSTATE_PKGCONFIG_DIR}" "/prefix")
string(REGEX REPLACE "/$" "" ORDERSTATE_PC_TO_PREFIX "${ORDERSTATE_PC_TO_PREFIX}")
if(IS_ABSOLUTE "${ORDERSTATE_PKGCONFIG_DIR}")
  set(ORDERSTATE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  set(ORDERSTATE_PC_PREFIX "\${pcfiledir}/${ORDERSTATE_PC_TO_PREFIX}")
endif()
function(orderstate_pkg_config name target)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    set(ORDERSTATE_PC_REQUIRES "${ORDERSTATE_PC_DEPENDENCIES}")
    set(ORDERSTATE_PC_LIBS_DEPS "${ORDERSTATE_PC_DEPENDENCY_LIBS}")
  else()
    set(ORDERSTATE_PC_REQUIRES_PRIVATE "${ORDERSTATE_PC_DEPENDENCIES}")
    set(ORDERSTATE_PC_LIBS_PRIVATE "${ORDERSTATE_PC_DEPENDENCY_LIBS}")
  endif()
  get_target_property(ORDERSTATE_PC_LIB ${target} OUTPUT_NAME)
  configure_file(${CMAKE_CURRENT_FUNCTION_LIST_DIR}/orderstate.pc.in
                 ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc.in @ONLY)
  # $<TARGET_LINKER_FILE:...> of the dependencies is known at generate time only.
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc
       INPUT ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc.in)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc DESTINATION ${ORDERSTATE_PKGCONFIG_DIR}
          COMPONENT orderstate_development)
endfunction()

set(ORDERSTATE_PC_DESCRIPTION "Trading orders and positions kept in SQLite (core library)")
set(ORDERSTATE_PC_DEPENDENCIES "sqlite3, gmp")
set(ORDERSTATE_PC_DEPENDENCY_LIBS "$<TARGET_LINKER_FILE:SQLiteCpp> -pthread")
orderstate_pkg_config(orderstate orderstate_core)

set(ORDERSTATE_PC_DESCRIPTION "HTTP adapter for orderstate (cpp-httplib)")
set(ORDERSTATE_PC_DEPENDENCIES "orderstate = ${PROJECT_VERSION}, cpp-httplib")
set(ORDERSTATE_PC_DEPENDENCY_LIBS "")
orderstate_pkg_config(orderstate-http orderstate_http)

if(TARGET orderstate_postgres)
  set(ORDERSTATE_PC_DESCRIPTION "PostgreSQL backend for orderstate (libpqxx)")
  set(ORDERSTATE_PC_DEPENDENCIES "orderstate = ${PROJECT_VERSION}, libpqxx, libpq")
  set(ORDERSTATE_PC_DEPENDENCY_LIBS "")
  orderstate_pkg_config(orderstate-postgres orderstate_postgres)
endif()
