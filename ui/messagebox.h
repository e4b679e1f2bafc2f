#pragma once

#include <QList>
#include <QMessageBox>
#include <QString>

namespace ViralSpot::Ui {

// The one way this program asks a person to confirm something or shows a message box, and the
// one seam tests answer them through: setNextAnswer() answers the next box without showing it
// (a modal box offscreen waits for a click that never comes). File names have the same seam in
// FileDialog::setNextFileName(); other dialogs are shown for real and driven by the tests.
class MessageBox final
{
public:
    struct Question
    {
        QString objectName;
        QString title;
        QString text;
        QString informativeText;
        QString yesText; // empty: "Yes"
    };
    // What a box answered through the seam said, for tests to check.
    struct Answered
    {
        QString objectName;
        QString title;
        QString text;
        QString informativeText;
    };

    MessageBox() = delete;

    // Asks with Yes and Cancel (Cancel the default); true when the answer is Yes.
    static bool confirm(QWidget *parent, const Question &question);
    // Runs the box modally, or answers it through the seam; the button chosen.
    static int exec(QMessageBox &box);

    // Test seam: the next box is answered with `answer` and not shown. One box only;
    // QMessageBox::NoButton withdraws an answer no box has taken.
    static void setNextAnswer(QMessageBox::StandardButton answer);
    // The boxes answered through the seam since the last call, oldest first.
    static QList<Answered> takeAnswered();
};

} // namespace ViralSpot::Ui
