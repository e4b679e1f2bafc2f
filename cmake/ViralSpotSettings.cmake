# One INTERFACE target carries the settings every target of the project shares.
add_library(viralspot_settings INTERFACE)
add_library(ViralSpot::settings ALIAS viralspot_settings)

target_compile_features(viralspot_settings INTERFACE cxx_std_17)
set(CMAKE_CXX_EXTENSIONS OFF)

target_compile_definitions(viralspot_settings INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_USE_QSTRINGBUILDER
    QT_NO_CONTEXTLESS_CONNECT
    QT_NO_FOREACH
    QT_DISABLE_DEPRECATED_UP_TO=0x060400)

if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(viralspot_settings INTERFACE -Wall -Wextra -Wpedantic)
    if(VIRALSPOT_WERROR)
        target_compile_options(viralspot_settings INTERFACE -Werror)
    endif()
    if(VIRALSPOT_SANITIZE)
        target_compile_options(viralspot_settings INTERFACE
            -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
        target_link_options(viralspot_settings INTERFACE -fsanitize=address,undefined)
    endif()
endif()

# Precompiled Qt headers: one PCH of the Qt Core and Sql headers most sources include, compiled
# once and reused by every C++ target of the project (viralspot_apply_pch(), called at the end
# of the top-level CMakeLists.txt). Parsing those headers is most of a test's compile time.
# GCC only: it checks a reused PCH against the macros the headers actually use (the targets'
# other definitions such as QT_WIDGETS_LIB or QT_TESTCASE_BUILDDIR do not touch Qt Core and Sql,
# and an unusable PCH is skipped, never wrong); clang rejects any difference in definitions.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set(viralspot_pch_default ON)
else()
    set(viralspot_pch_default OFF)
endif()
option(VIRALSPOT_PCH "Precompile the common Qt headers once for all targets (GCC)" ${viralspot_pch_default})

if(VIRALSPOT_PCH)
    file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/viralspot_pch.cpp
        CONTENT "// The owner of the project's precompiled header (cmake/ViralSpotSettings.cmake).\n")
    add_library(viralspot_pch STATIC ${CMAKE_BINARY_DIR}/viralspot_pch.cpp)
    target_link_libraries(viralspot_pch PRIVATE Qt6::Core Qt6::Sql viralspot_settings)
    set_target_properties(viralspot_pch PROPERTIES AUTOMOC OFF AUTOUIC OFF AUTORCC OFF)
    target_precompile_headers(viralspot_pch PRIVATE
        <atomic> <functional> <memory> <vector>
        <QByteArray> <QCoreApplication> <QDateTime> <QDir> <QElapsedTimer> <QFile>
        <QFileInfo> <QHash> <QJsonArray> <QJsonDocument> <QJsonObject> <QList>
        <QLoggingCategory> <QMetaType> <QMutex> <QObject> <QPointer> <QProcess>
        <QRandomGenerator> <QSet> <QString> <QStringList> <QTemporaryDir> <QThread>
        <QTimer> <QUrl> <QVariant>
        <QSqlDatabase> <QSqlError> <QSqlQuery>)
endif()

# Gives every C++ library and executable defined under DIRECTORY (recursively) the shared PCH.
function(viralspot_apply_pch directory)
    if(NOT VIRALSPOT_PCH)
        return()
    endif()
    get_property(targets DIRECTORY ${directory} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target IN LISTS targets)
        get_target_property(type ${target} TYPE)
        if(target STREQUAL "viralspot_pch"
                OR NOT type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|OBJECT_LIBRARY|MODULE_LIBRARY)$")
            continue()
        endif()
        get_target_property(own ${target} PRECOMPILE_HEADERS)
        get_target_property(reused ${target} PRECOMPILE_HEADERS_REUSE_FROM)
        if(NOT own AND NOT reused)
            target_precompile_headers(${target} REUSE_FROM viralspot_pch)
        endif()
    endforeach()
    get_property(subdirectories DIRECTORY ${directory} PROPERTY SUBDIRECTORIES)
    foreach(subdirectory IN LISTS subdirectories)
        viralspot_apply_pch(${subdirectory})
    endforeach()
endfunction()
