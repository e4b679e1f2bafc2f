#include "core/ids.h"

#include <QDateTime>
#include <QMutex>
#include <QRandomGenerator>

namespace ViralSpot::Ids {

namespace {

struct Bytes
{
    quint8 b[16];
};

Bytes makeV7()
{
    static QMutex mutex;
    static quint64 lastMs = 0;
    static quint16 counter = 0;

    quint64 ms = quint64(QDateTime::currentMSecsSinceEpoch());
    quint16 sequence;
    {
        QMutexLocker lock(&mutex);
        if (ms <= lastMs) {
            // Same (or an earlier) millisecond: keep order with the 12-bit counter, borrowing
            // the next millisecond when it runs out.
            ms = lastMs;
            if (++counter > 0x0fff) {
                counter = 0;
                ++ms;
            }
        } else {
            counter = quint16(QRandomGenerator::global()->bounded(0x0400)); // room to count
        }
        lastMs = ms;
        sequence = counter;
    }
    Bytes u;
    for (int i = 0; i < 6; ++i)
        u.b[i] = quint8(ms >> (40 - 8 * i));
    u.b[6] = quint8(0x70 | (sequence >> 8));
    u.b[7] = quint8(sequence);
    const quint64 random = QRandomGenerator::global()->generate64();
    for (int i = 0; i < 8; ++i)
        u.b[8 + i] = quint8(random >> (56 - 8 * i));
    u.b[8] = quint8(0x80 | (u.b[8] & 0x3f)); // RFC 4122 variant
    return u;
}

// 32 hex digits, with dashes at 8-4-4-4-12 when asked, written into `out` (36 bytes room).
int toHex(char *out, const Bytes &u, bool dashes)
{
    static const char digits[] = "0123456789abcdef";
    int n = 0;
    for (int i = 0; i < 16; ++i) {
        if (dashes && (i == 4 || i == 6 || i == 8 || i == 10))
            out[n++] = '-';
        out[n++] = digits[u.b[i] >> 4];
        out[n++] = digits[u.b[i] & 0x0f];
    }
    return n;
}

} // namespace

QString uuidV7()
{
    char buffer[36];
    const int n = toHex(buffer, makeV7(), true);
    return QString::fromLatin1(buffer, n);
}

QString requestId()
{
    char buffer[36] = { 'r', 'e', 'q', '_' };
    const int n = toHex(buffer + 4, makeV7(), false);
    return QString::fromLatin1(buffer, 4 + n);
}

} // namespace ViralSpot::Ids
