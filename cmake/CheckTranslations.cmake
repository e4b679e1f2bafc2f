# The translation check (CTest `tst_translations`), run as a script:
#   cmake -DLUPDATE=... -DGENERATE_PROJECT=... -DLUPDATE_PROJECT=... -DTS_DIR=... -DWORK_DIR=...
#         -DBUILD_DIR=... -P CheckTranslations.cmake
# Runs lupdate exactly as `update_translations` does, but on copies of the .ts files, and fails
# when a copy then holds a string the committed file lacks or leaves unfinished: a string added
# to the sources and not translated, or one whose translation was never finished.
foreach(var LUPDATE GENERATE_PROJECT LUPDATE_PROJECT TS_DIR WORK_DIR BUILD_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "CheckTranslations.cmake: ${var} is not set")
    endif()
endforeach()
if(NOT EXISTS "${LUPDATE_PROJECT}")
    message(FATAL_ERROR "No lupdate project at ${LUPDATE_PROJECT}: build the project first.")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(GLOB ts_files "${TS_DIR}/*.ts")
if(NOT ts_files)
    message(FATAL_ERROR "No .ts files in ${TS_DIR}")
endif()
set(copies)
foreach(ts IN LISTS ts_files)
    get_filename_component(name "${ts}" NAME)
    file(COPY "${ts}" DESTINATION "${WORK_DIR}")
    list(APPEND copies "${WORK_DIR}/${name}")
endforeach()

execute_process(
    COMMAND "${CMAKE_COMMAND}" "-DIN_FILE=${LUPDATE_PROJECT}" "-DOUT_FILE=${WORK_DIR}/project.json"
            -P "${GENERATE_PROJECT}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "Could not write the lupdate project:\n${out}${err}")
endif()
# The options of qt_add_translations(... LUPDATE_OPTIONS) in ViralSpotTranslations.cmake.
execute_process(
    COMMAND "${LUPDATE}" -project "${WORK_DIR}/project.json" -no-obsolete -locations none
            -ts ${copies}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lupdate failed:\n${out}${err}")
endif()

function(decode_xml out text)
    string(REPLACE "&lt;" "<" text "${text}")
    string(REPLACE "&gt;" ">" text "${text}")
    string(REPLACE "&quot;" "\"" text "${text}")
    string(REPLACE "&apos;" "'" text "${text}")
    string(REPLACE "&amp;" "&" text "${text}")
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

set(report "")
set(missing 0)
foreach(copy IN LISTS copies)
    get_filename_component(name "${copy}" NAME)
    file(READ "${copy}" xml)
    # Split into contexts and messages without CMake's list separator getting in the way.
    string(REPLACE ";" "@@SEMICOLON@@" xml "${xml}")
    string(REPLACE "<context>" ";" contexts "${xml}")
    list(REMOVE_AT contexts 0)
    foreach(context IN LISTS contexts)
        string(REGEX MATCH "<name>([^<]*)</name>" _ "${context}")
        set(context_name "${CMAKE_MATCH_1}")
        string(REPLACE "<message" ";" messages "${context}")
        list(REMOVE_AT messages 0)
        foreach(message IN LISTS messages)
            set(unfinished FALSE)
            if(message MATCHES "type=\"unfinished\"" OR message MATCHES "<translation></translation>"
               OR message MATCHES "<translation/>")
                set(unfinished TRUE)
            endif()
            if(unfinished)
                string(REGEX MATCH "<source>([^<]*)</source>" _ "${message}")
                set(source "${CMAKE_MATCH_1}")
                string(REPLACE "@@SEMICOLON@@" ";" source "${source}")
                decode_xml(source "${source}")
                string(REPLACE "\n" "\\n" source "${source}")
                string(APPEND report "  ${name} [${context_name}] ${source}\n")
                math(EXPR missing "${missing} + 1")
            endif()
        endforeach()
    endforeach()
endforeach()

if(missing GREATER 0)
    file(RELATIVE_PATH ts_rel "${CMAKE_CURRENT_LIST_DIR}/.." "${TS_DIR}")
    # Indented lines keep their breaks in CMake's message output.
    message(FATAL_ERROR
        "${missing} source string(s) are missing or unfinished in the translations:\n"
        "${report}"
        "  To fix, bring the .ts files up to date with the sources:\n"
        "      cmake --build ${BUILD_DIR} --target update_translations\n"
        "  then translate every entry marked type=\"unfinished\" in ${ts_rel}/*.ts\n"
        "  (Qt Linguist: linguist ${ts_rel}/viralspot-admin_de.ts, or fill in <translation>\n"
        "  and remove type=\"unfinished\" by hand), and commit the .ts files.\n")
endif()
list(LENGTH copies count)
message(STATUS "translations complete: ${count} file(s), every source string translated")
