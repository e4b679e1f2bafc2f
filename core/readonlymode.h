#pragma once

namespace ViralSpot::ReadOnlyMode {

// True when VIRALSPOT_READ_ONLY is 1, true, yes or on (any case): the read-only mode that every
// front door (window, submit, serve, repair-duplicates) honours beside its --read-only option.
bool requestedByEnvironment();

} // namespace ViralSpot::ReadOnlyMode
