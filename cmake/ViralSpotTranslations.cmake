# Translations: resources/translations/viralspot-admin_<lang>.ts are compiled by lrelease and
# embedded in the executable under :/i18n (ViralSpot::Translations::install loads them).
# `cmake --build <dir> --target update_translations` refreshes the .ts files from the sources.
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
endfunction()
