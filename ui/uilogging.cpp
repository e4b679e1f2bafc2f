#include "ui/uilogging.h"

Q_LOGGING_CATEGORY(lcUi, "viralspot.ui", QtInfoMsg)
