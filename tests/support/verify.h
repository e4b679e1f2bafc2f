#pragma once

#include <QTest>

// Fails the running test unless `expression` (a Result or a ValueResult<T>, core/result.h) is
// ok, with the result's error as the message: VERIFY_OK(server.start());
#define VERIFY_OK(expression)                                                                      \
    do {                                                                                           \
        const auto verifyOkResult = (expression);                                                  \
        QVERIFY2(verifyOkResult.ok, qPrintable(verifyOkResult.error));                             \
    } while (false)
