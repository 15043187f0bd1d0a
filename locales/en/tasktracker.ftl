# tasktracker — English. Every key here must exist in every other locale
# (a test checks it), with the same variables.

## Commands, as Telegram lists them (set_my_commands)
cmd-start = Start and see what this bot does
cmd-help = How to use the bot
cmd-privacy = What is stored about you, and your rights
cmd-tasks = Open tasks of this chat
cmd-done = Mark a task done: /done 12
cmd-mode = How the bot answers here (admins)
cmd-optout = Stop storing my messages
cmd-optin = Store my messages again
cmd-export = Send me all my data
cmd-forget = Erase all my data

## Private chat
start =
    Hi! I find tasks and bug reports in your team's group chats and keep them in /tasks.
    Add me to a group; an operator approves it before I store anything.
    Your data, your rights: /privacy.
help =
    In a group I read messages, recognise tasks and bug reports, and answer with a task card.
    /tasks — open tasks of the chat
    /done 12 — mark task 12 done
    /mode — how I answer here: reply, react or silent (admins)
    /privacy — what I store and why
    /optout, /optin — stop or resume storing your messages
    /export, /forget — get or erase all your data (in a private chat with me)

## Joining a chat
notice-joined =
    Hello! I'm { $bot }. I read this chat's messages to recognise tasks and bug reports and answer with a task card.
    I store the messages encrypted and delete them after { $days ->
        [one] { $days } day
       *[other] { $days } days
    }.
    Everyone can see what I store with /privacy, stop with /optout, and get or erase their data with /export and /forget in a private chat with me.
notice-pending = An operator has not approved this chat yet, so I store nothing here for now.
notice-privacy-mode = Admins: Telegram's privacy mode hides most messages from me. Make me an admin, or turn privacy mode off with @BotFather, so I can see the tasks.

## Task card
kind-task = Task
kind-bug = Bug
kind-question = Question
kind-info = Info
kind-chatter = Chatter
priority-low = low
priority-normal = normal
priority-high = high
priority-urgent = urgent
card-title = { $kind } #{ $id }: { $title }
card-priority = Priority: { $priority }
card-due = Due: { $date }
card-assignees = For: { $people }
button-done = ✅ Done
button-not-task = ✖ Not a task
card-done = Done by { $who }.
card-dismissed = Marked as not a task by { $who }.

## /tasks and /done
tasks-header = Open tasks ({ $count }):
tasks-empty = No open tasks here.
tasks-page = Page { $page } of { $pages }
button-previous = ◀ Back
button-next = Next ▶
done-usage = Which task? Write /done and its number, for example /done 12.
done-not-found = There is no open task #{ $id } in this chat.
done-ok = Task #{ $id } is done.

## /mode
mode-current = I answer here with: { $mode }. Change it with /mode reply, /mode react or /mode silent.
mode-changed = Done: from now on I answer with { $mode }.
mode-admins-only = Only this chat's admins can change how I answer.
mode-reply = a task card
mode-react = a reaction
mode-silent = nothing (I still keep /tasks)

## Consent
optout-done = Done: I no longer store your messages. /optin undoes it.
optin-done = Done: I store your messages again. /optout stops it.

## Refusals
private-only = I talk about personal data only in a private chat: { $link }
not-yours = This button is not for you.
rate-limited = Too many commands; try again in { $seconds } s.
unknown-command = I don't know that command. /help lists what I can do.

## The bot in chats (processor)
tasks-line = { $kind } #{ $id }: { $title }
tasks-line-due = { $kind } #{ $id }: { $title } (due { $date })
group-only = This works in a group chat: add me to your team's group and use it there.
admin-check-failed = I could not check whether you are an admin of this chat; please try again in a minute.
button-expired = This button no longer works.
task-already-closed = Task #{ $id } is already closed.
mode-button = { $mode }
privacy-policy =
    What I store: the messages of approved group chats (text and captions, with their edits), your name, @username and language, the tasks recognised in your messages, and your /optout and /optin choices.
    Why: to recognise tasks and bug reports and keep this chat's /tasks.
    How long: { $days ->
        [one] { $days } day
       *[other] { $days } days
    } here, then it is deleted.
    Where: in the operator's database, encrypted with a key of your own.
    Your rights: /export sends you all your data, /forget erases it, /optout stops me storing your messages (in a private chat with me for /export and /forget).
    Contact: { $contact }
privacy-contact-none = the operator of this bot

## Export and erasure
export-about = This file holds everything tasktracker stores about you: your profile, your messages and the tasks recognised in them, other people's tasks assigned to you, your consent choices and your requests. It holds nothing about anyone else. A large export comes in several parts; each part is a complete JSON file with the same export_id.
export-preparing = Collecting your data; this takes a moment.
export-caption = Your data as of { $date }, part { $part } of { $parts }.
export-done = That is everything I store about you. Messages: { $messages }; files: { $parts }.
export-refused = You received an export recently. The next one is possible at { $time } (UTC).
export-failed = Sorry, I could not prepare your export. It does not count against your limit; please try again later.
forget-confirm = This erases everything I store about you, at once and for good: your messages, the tasks made from them, your assignments, my replies quoting you, your profile and your key. Confirm within { $minutes } min.
forget-button-confirm = 🗑 Erase everything
forget-button-cancel = Cancel
forget-cancelled = Cancelled: nothing was erased.
forget-expired = This confirmation has expired; send /forget again.
forget-closed = This confirmation is no longer valid; send /forget again if you still want it.
forget-done =
    Done: everything I stored about you is erased, and your key is destroyed.
    Messages: { $messages }
    Tasks made from them: { $tasks }
    Assignments: { $assignments }
    My replies quoting you: { $replies }
    Only an anonymous record that an erasure took place remains.
forget-nothing = I store nothing about you, so there was nothing to erase.
