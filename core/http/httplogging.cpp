#include "core/http/httplogging.h"

Q_LOGGING_CATEGORY(lcHttp, "viralspot.http", QtInfoMsg)
