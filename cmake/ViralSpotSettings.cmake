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
