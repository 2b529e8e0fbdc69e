# cmake -P check-po.cmake: fails when a marked string in the sources has no finished
# translation. Extracts a fresh template into the build tree (the source tree is not
# touched), merges each catalogue into a scratch copy, and counts untranslated and fuzzy
# entries there (fuzzy ones are left out of the .mo, so the staff would see English).
# Variables: XGETTEXT MSGMERGE MSGATTRIB SOURCE_DIR PO_DIR WORK_DIR, and SOURCES_FILE
# (one source per line, relative to SOURCE_DIR, written by po/CMakeLists.txt).
file(STRINGS ${SOURCES_FILE} SOURCES)
file(STRINGS ${PO_DIR}/LINGUAS LINGUAS REGEX "^[^#]")
string(REGEX REPLACE "[ \t]+" ";" LINGUAS "${LINGUAS}")
file(MAKE_DIRECTORY ${WORK_DIR})
execute_process(
  COMMAND ${XGETTEXT} --language=C --from-code=UTF-8 --keyword=_ --keyword=N_
          --add-comments --sort-by-file --output=${WORK_DIR}/sekimori.pot ${SOURCES}
  WORKING_DIRECTORY ${SOURCE_DIR}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "xgettext failed")
endif()
set(bad 0)
foreach(lang IN LISTS LINGUAS)
  set(merged ${WORK_DIR}/${lang}.po)
  execute_process(COMMAND ${MSGMERGE} --quiet --output-file=${merged}
                          ${PO_DIR}/${lang}.po ${WORK_DIR}/sekimori.pot
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "msgmerge failed for ${lang}.po")
  endif()
  foreach(kind untranslated only-fuzzy)
    execute_process(COMMAND ${MSGATTRIB} --${kind} --no-obsolete ${merged}
                    OUTPUT_VARIABLE out RESULT_VARIABLE rc)
    # Every entry but the header (msgid "" directly followed by msgstr); a long message is
    # written as msgid "" followed by its lines, so those lines count as part of its id.
    string(REPLACE "\nmsgid \"\"\nmsgstr" "\nheader" out "\n${out}")
    string(REGEX MATCHALL "\nmsgid \"[^\n]*(\n\"[^\n]*)*" ids "${out}")
    list(LENGTH ids n)
    if(n GREATER 0)
      math(EXPR bad "${bad} + ${n}")
      string(REPLACE "\nmsgid " "\n    " shown "${ids}")
      string(REPLACE "\n\"" " \"" shown "${shown}")
      string(REPLACE ";" "" shown "${shown}")
      message(WARNING "${lang}.po: ${n} ${kind} (run the update-po target, then translate):${shown}")
    endif()
  endforeach()
endforeach()
if(bad GREATER 0)
  message(FATAL_ERROR "check-po: ${bad} message(s) without a finished translation")
endif()
message(STATUS "check-po: every marked message is translated (${LINGUAS})")
