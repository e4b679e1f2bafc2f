# The layers, checked when the project is configured: a target that reaches a library of a layer
# above it (through any chain of link dependencies) stops the configuration with the chain.
#   core (viralspot_core)      Qt Core + Sql only: no Network, HttpServer, Gui or Widgets
#   endpoint (viralspot_http)  core + Network + HttpServer: no Gui or Widgets
# The headless build (-DVIRALSPOT_GUI=OFF) proves the same at link time: no Widgets there at all.

# Sets <out> to the chain "target -> ... -> forbidden" when `target` links one of the
# `forbidden` libraries directly or through other targets, else to "".
function(_viralspot_find_link target forbidden out visited)
    if(target IN_LIST visited)
        set(${out} "" PARENT_SCOPE)
        return()
    endif()
    list(APPEND visited ${target})
    set(dependencies)
    foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
        get_target_property(libraries ${target} ${property})
        if(libraries)
            list(APPEND dependencies ${libraries})
        endif()
    endforeach()
    foreach(dependency IN LISTS dependencies)
        # $<LINK_ONLY:X> (a static library's private dependency) is still linked.
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" dependency "${dependency}")
        if(dependency IN_LIST forbidden)
            set(${out} "${target} -> ${dependency}" PARENT_SCOPE)
            return()
        endif()
        if(TARGET ${dependency})
            get_target_property(aliased ${dependency} ALIASED_TARGET)
            if(aliased)
                set(dependency ${aliased})
            endif()
            get_target_property(imported ${dependency} IMPORTED)
            if(NOT imported)
                _viralspot_find_link(${dependency} "${forbidden}" chain "${visited}")
                if(chain)
                    set(${out} "${target} -> ${chain}" PARENT_SCOPE)
                    return()
                endif()
            endif()
        endif()
    endforeach()
    set(${out} "" PARENT_SCOPE)
endfunction()

# viralspot_assert_no_link(<target> <forbidden library>...): FATAL_ERROR when <target> reaches one.
function(viralspot_assert_no_link target)
    _viralspot_find_link(${target} "${ARGN}" chain "")
    if(chain)
        message(FATAL_ERROR "Layer broken: ${chain} (${target} must not link ${ARGN})")
    endif()
endfunction()

function(viralspot_check_layers)
    set(gui Qt6::Gui Qt6::Widgets Qt::Gui Qt::Widgets)
    viralspot_assert_no_link(viralspot_core Qt6::Network Qt6::HttpServer Qt::Network Qt::HttpServer
        ${gui})
    if(TARGET viralspot_http)
        viralspot_assert_no_link(viralspot_http ${gui})
    endif()
endfunction()
