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
    QT_NO_KEYWORDS
    QT_DISABLE_DEPRECATED_UP_TO=0x060400)

if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(viralspot_settings INTERFACE -Wall -Wextra -Wpedantic)
    if(VIRALSPOT_WERROR)
        target_compile_options(viralspot_settings INTERFACE -Werror)
    endif()
    if(VIRALSPOT_SANITIZE)
        # AddressSanitizer everywhere; UndefinedBehaviorSanitizer for the product's code (the
        # libraries, the program, the tests' support library and helpers), not for the test
        # classes' own sources (targets with the VIRALSPOT_TEST_SOURCES property, set by
        # viralspot_add_test): their checks cost about 3 s of compile time a test (10.1 -> 6.8
        # CPU s for tst_batches.cpp) and would watch only the tests' own arithmetic. Every call
        # into the product runs its instrumented code, and a test's memory errors are still
        # caught. Everything links both runtimes.
        set(not_test_sources "$<NOT:$<BOOL:$<TARGET_PROPERTY:VIRALSPOT_TEST_SOURCES>>>")
        target_compile_options(viralspot_settings INTERFACE
            -fsanitize=address -fno-omit-frame-pointer
            "$<${not_test_sources}:-fsanitize=undefined>"
            "$<${not_test_sources}:-fno-sanitize-recover=undefined>")
        target_link_options(viralspot_settings INTERFACE -fsanitize=address,undefined)
    endif()
endif()

# Precompiled Qt headers: one PCH of the Qt Core headers most sources include, compiled once and
# reused by every C++ target of the project that links ViralSpot::settings (directly or
# through core, http, ui...): viralspot_apply_pch(), called at the end of the top-level
# CMakeLists.txt. Parsing those headers is a large part of a test's compile time.
# A reused PCH must see the same macros as its users: so Qt Core only (every target links it;
# QtCore's headers never look at QT_SQL_LIB, QT_WIDGETS_LIB, QT_TESTCASE_BUILDDIR and the other
# per-target definitions) and the project's settings (QT_NO_CAST_FROM_ASCII...), hence only
# for targets that have them. CMake adds -Winvalid-pch: with -Werror a mismatch fails the build
# rather than silently compiling without the PCH. GCC only (clang rejects any difference in
# the definitions; the fuzzing build is clang).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set(viralspot_pch_default ON)
else()
    set(viralspot_pch_default OFF)
endif()
option(VIRALSPOT_PCH "Precompile the common Qt Core headers once for all targets (GCC)" ${viralspot_pch_default})

if(VIRALSPOT_PCH)
    file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/viralspot_pch.cpp
        CONTENT "// The owner of the project's precompiled header (cmake/ViralSpotSettings.cmake).\n")
    add_library(viralspot_pch STATIC ${CMAKE_BINARY_DIR}/viralspot_pch.cpp)
    target_link_libraries(viralspot_pch PRIVATE Qt6::Core viralspot_settings)
    set_target_properties(viralspot_pch PROPERTIES AUTOMOC OFF AUTOUIC OFF AUTORCC OFF)
    target_precompile_headers(viralspot_pch PRIVATE
        <atomic> <functional> <memory> <vector>
        <QByteArray> <QCoreApplication> <QDateTime> <QDir> <QElapsedTimer> <QFile>
        <QFileInfo> <QHash> <QJsonArray> <QJsonDocument> <QJsonObject> <QList>
        <QLoggingCategory> <QMetaType> <QMutex> <QObject> <QPointer> <QProcess>
        <QRandomGenerator> <QSet> <QString> <QStringList> <QTemporaryDir> <QThread>
        <QTimer> <QUrl> <QVariant>)
endif()

# Does TARGET get viralspot_settings' usage requirements: linked directly, or through the
# public (interface) links of what it links? (OUT: bool)
function(viralspot_links_settings target out)
    get_target_property(pending ${target} LINK_LIBRARIES)
    set(seen)
    while(pending)
        list(POP_FRONT pending current)
        if(NOT current OR current MATCHES "^\\$<" OR NOT TARGET ${current} OR current IN_LIST seen)
            continue() # $<LINK_ONLY:...> carries no compile usage requirements
        endif()
        list(APPEND seen ${current})
        get_target_property(aliased ${current} ALIASED_TARGET)
        if(aliased)
            set(current ${aliased})
        endif()
        if(current STREQUAL "viralspot_settings")
            set(${out} TRUE PARENT_SCOPE)
            return()
        endif()
        get_target_property(imported ${current} IMPORTED)
        if(NOT imported) # Qt's own targets never lead back to the project's
            get_target_property(interface_links ${current} INTERFACE_LINK_LIBRARIES)
            if(interface_links)
                list(APPEND pending ${interface_links})
            endif()
        endif()
    endwhile()
    set(${out} FALSE PARENT_SCOPE)
endfunction()

# AUTOMOC compiles one mocs_compilation.cpp per target: the moc output of the target's headers
# (those listed, and those beside its .cpp files). A target without such a header with Q_OBJECT
# (every test: its tst_*.moc is included by the .cpp) gets an empty file, which with the PCH
# still costs the PCH's loading, ~1.5 CPU seconds (GCC 12, 138 MB .gch), against 0.06 s
# without. So the PCH is skipped there. Erring the other way is harmless: a non-empty file
# compiled without the PCH is only slower.
function(viralspot_skip_pch_for_empty_mocs target)
    get_target_property(automoc ${target} AUTOMOC)
    if(NOT automoc)
        return()
    endif()
    get_target_property(sources ${target} SOURCES)
    get_target_property(source_dir ${target} SOURCE_DIR)
    get_target_property(binary_dir ${target} BINARY_DIR)
    set(headers)
    foreach(source IN LISTS sources)
        if(source MATCHES "\\$<")
            return() # not known at configure time: keep the PCH
        endif()
        if(NOT IS_ABSOLUTE "${source}")
            set(source "${source_dir}/${source}")
        endif()
        if(source MATCHES "\\.(h|hh|hpp|hxx)$")
            list(APPEND headers "${source}")
        elseif(source MATCHES "^(.*)\\.(cpp|cc|cxx)$")
            foreach(suffix .h .hh .hpp .hxx _p.h)
                list(APPEND headers "${CMAKE_MATCH_1}${suffix}")
            endforeach()
        endif()
    endforeach()
    foreach(header IN LISTS headers)
        if(EXISTS "${header}")
            file(STRINGS "${header}" moc_macros REGEX "Q_OBJECT|Q_GADGET|Q_NAMESPACE")
            if(moc_macros)
                return()
            endif()
        endif()
    endforeach()
    set_source_files_properties("${binary_dir}/${target}_autogen/mocs_compilation.cpp"
        TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
endfunction()

# Gives every C++ library and executable defined under DIRECTORY (recursively) that links the
# project's settings the shared PCH.
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
        viralspot_links_settings(${target} has_settings)
        if(has_settings AND NOT own AND NOT reused)
            target_precompile_headers(${target} REUSE_FROM viralspot_pch)
            viralspot_skip_pch_for_empty_mocs(${target})
        endif()
    endforeach()
    get_property(subdirectories DIRECTORY ${directory} PROPERTY SUBDIRECTORIES)
    foreach(subdirectory IN LISTS subdirectories)
        viralspot_apply_pch(${subdirectory})
    endforeach()
endfunction()
