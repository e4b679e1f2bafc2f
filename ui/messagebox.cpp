#include "ui/messagebox.h"

#include <QAbstractButton>

#include <utility>

namespace ViralSpot::Ui {

namespace {

// GUI thread only, like the boxes themselves.
QMessageBox::StandardButton &nextAnswer()
{
    static QMessageBox::StandardButton answer = QMessageBox::NoButton;
    return answer;
}

QList<MessageBox::Answered> &answered()
{
    static QList<MessageBox::Answered> boxes;
    return boxes;
}

} // namespace

bool MessageBox::confirm(QWidget *parent, const Question &question)
{
    QMessageBox box(parent);
    box.setObjectName(question.objectName);
    box.setIcon(QMessageBox::Question);
    box.setWindowTitle(question.title);
    box.setText(question.text);
    box.setInformativeText(question.informativeText);
    box.setStandardButtons(QMessageBox::Yes | QMessageBox::Cancel);
    if (!question.yesText.isEmpty())
        box.button(QMessageBox::Yes)->setText(question.yesText);
    box.setDefaultButton(QMessageBox::Cancel);
    return exec(box) == QMessageBox::Yes;
}

int MessageBox::exec(QMessageBox &box)
{
    const QMessageBox::StandardButton answer = nextAnswer();
    if (answer == QMessageBox::NoButton)
        return box.exec();
    nextAnswer() = QMessageBox::NoButton;
    answered().append(
        Answered { box.objectName(), box.windowTitle(), box.text(), box.informativeText() });
    return answer;
}

void MessageBox::setNextAnswer(QMessageBox::StandardButton answer)
{
    nextAnswer() = answer;
}

QList<MessageBox::Answered> MessageBox::takeAnswered()
{
    return std::exchange(answered(), {});
}

} // namespace ViralSpot::Ui
