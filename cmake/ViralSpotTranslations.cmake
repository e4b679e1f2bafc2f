# Translations: resources/translations/viralspot-admin_<lang>.ts are compiled by lrelease and
# embedded in the executable under :/i18n (ViralSpot::Translations::install loads them).
# `cmake --build <dir> --target update_translations` refreshes the .ts files from the sources;
# the test `tst_translations` (viralspot_add_translations_check) fails while any source string
# is missing from a .ts file or left unfinished there.
find_package(Qt6 ${Qt6_VERSION} QUIET COMPONENTS LinguistTools)

set(VIRALSPOT_TRANSLATIONS_DIR ${PROJECT_SOURCE_DIR}/resources/translations)

# viralspot_add_translations(<target>): embeds every .ts of resources/translations in <target>.
function(viralspot_add_translations target)
    if(NOT Qt6LinguistTools_FOUND)
        message(WARNING "Qt6 LinguistTools not found (Debian: qt6-tools-dev qt6-l10n-tools): "
                        "${target} is built without translations")
        return()
    endif()
    file(GLOB ts_files CONFIGURE_DEPENDS ${VIRALSPOT_TRANSLATIONS_DIR}/*.ts)
    # lupdate scans every layer, not just the executable's own sources.
    file(GLOB_RECURSE lupdate_sources CONFIGURE_DEPENDS
        ${PROJECT_SOURCE_DIR}/core/*.cpp ${PROJECT_SOURCE_DIR}/core/*.h
        ${PROJECT_SOURCE_DIR}/app/*.cpp ${PROJECT_SOURCE_DIR}/app/*.h
        ${PROJECT_SOURCE_DIR}/ui/*.cpp ${PROJECT_SOURCE_DIR}/ui/*.h ${PROJECT_SOURCE_DIR}/ui/*.ui)
    qt_add_translations(${target}
        TS_FILES ${ts_files}
        SOURCES ${lupdate_sources}
        RESOURCE_PREFIX /i18n
        LUPDATE_OPTIONS -no-obsolete -locations none)
    # Where qt_add_translations describes the lupdate run (Qt 6.4: <binary dir>/.lupdate), for
    # the check below to run lupdate the same way.
    set_property(GLOBAL PROPERTY VIRALSPOT_LUPDATE_PROJECT
        ${CMAKE_CURRENT_BINARY_DIR}/.lupdate/${target}_project.cmake)
    get_target_property(lupdate Qt6::lupdate LOCATION)
    set_property(GLOBAL PROPERTY VIRALSPOT_LUPDATE ${lupdate})
endfunction()

# viralspot_add_translations_check(): the CTest test `tst_translations`, which runs lupdate on
# copies of the .ts files (cmake/CheckTranslations.cmake) and fails, listing them, when source
# strings are missing from a translation or unfinished there. Call after
# viralspot_add_translations().
function(viralspot_add_translations_check)
    get_property(project GLOBAL PROPERTY VIRALSPOT_LUPDATE_PROJECT)
    get_property(lupdate GLOBAL PROPERTY VIRALSPOT_LUPDATE)
    if(NOT project OR NOT lupdate)
        return()
    endif()
    set(generate ${Qt6LinguistTools_DIR}/GenerateLUpdateProject.cmake)
    if(NOT EXISTS ${generate})
        message(WARNING "GenerateLUpdateProject.cmake not found: no translation check")
        return()
    endif()
    add_test(NAME tst_translations
        COMMAND ${CMAKE_COMMAND}
            -DLUPDATE=${lupdate}
            -DGENERATE_PROJECT=${generate}
            -DLUPDATE_PROJECT=${project}
            -DTS_DIR=${PROJECT_SOURCE_DIR}/resources/translations
            -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/translations-check
            -DBUILD_DIR=${CMAKE_BINARY_DIR}
            -P ${PROJECT_SOURCE_DIR}/cmake/CheckTranslations.cmake)
    set_tests_properties(tst_translations PROPERTIES TIMEOUT 300 LABELS "translations")
endfunction()
