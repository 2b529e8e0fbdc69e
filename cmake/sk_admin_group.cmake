# Run by `cmake --install` after the files (install(SCRIPT) in the top CMakeLists.txt):
# creates the administrators' group, admin_group in sekimori.conf (SK_ADMIN_GROUP, default
# sekimori-admin), when it is missing. Without it the broker warns at every start and only
# root may administer. With DESTDIR the group goes into DESTDIR/etc/group (groupadd
# --prefix) when that file exists; a staging folder without one is left alone and the
# command to run on the target is printed. The uninstall target never removes the group.
set(sk_root "$ENV{DESTDIR}")
set(sk_group "${SK_ADMIN_GROUP}")
if(sk_root STREQUAL "")
  execute_process(COMMAND getent group "${sk_group}" RESULT_VARIABLE sk_rc
                  OUTPUT_QUIET ERROR_QUIET)
  if(sk_rc EQUAL 0)
    message(STATUS "Group ${sk_group} exists already")
  else()
    execute_process(COMMAND groupadd --system "${sk_group}" RESULT_VARIABLE sk_rc)
    if(sk_rc EQUAL 0)
      message(STATUS "Created the system group ${sk_group} (admin_group); add the "
                     "administrators with: usermod -a -G ${sk_group} NAME")
    else()
      message(WARNING "groupadd --system ${sk_group} failed (status ${sk_rc}); create the "
                      "group by hand, or only root can administer Sekimori")
    endif()
  endif()
elseif(EXISTS "${sk_root}/etc/group")
  file(STRINGS "${sk_root}/etc/group" sk_lines REGEX "^${sk_group}:")
  if(sk_lines)
    message(STATUS "Group ${sk_group} exists already in ${sk_root}/etc/group")
  else()
    execute_process(COMMAND groupadd --prefix "${sk_root}" --system "${sk_group}"
                    RESULT_VARIABLE sk_rc)
    if(NOT sk_rc EQUAL 0)
      message(FATAL_ERROR "groupadd --prefix ${sk_root} --system ${sk_group} failed "
                          "(status ${sk_rc})")
    endif()
    message(STATUS "Created the system group ${sk_group} in ${sk_root}/etc/group")
  endif()
else()
  message(STATUS "DESTDIR has no etc/group: on the target system run "
                 "groupadd --system ${sk_group}")
endif()
