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
card-done-unnamed = Done.
card-dismissed-unnamed = Marked as not a task.

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
## Console
# tasktracker-console, the operators' terminal console. Keys start with
# console-; short labels (console-short-*) must stay short: the hint line
# is 80 columns wide.
console-yes = yes
console-no = no
console-close = close
console-loading = Loading…
console-tab-overview = Overview
console-tab-chats = Chats
console-tab-providers = Providers
console-tab-keys = Keys
console-tab-retention = Retention
console-tab-audit = Audit
console-status-operator = Changes are audited as { $actor }
console-status-working = Working…
console-status-failed = Failed: { $what }. See the message for the reason.
console-ago-now = just now
console-ago-minutes = { $n } min ago
console-ago-hours = { $n } h ago
console-ago-days = { $n ->
    [one] { $n } day ago
   *[other] { $n } days ago
}
console-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
console-days-default = { $n } d, default

# Help and hints
console-help-title = Keys
console-help-everywhere = Everywhere
console-help-no-keys = This screen only shows; it refreshes by itself.
console-help-move = move the selection
console-help-goto = go to a screen by its number
console-help-help = this help
console-help-quit = leave the console
console-help-next-screen = next screen
console-help-prev-screen = previous screen
console-help-refresh = reload now
console-help-up = up
console-help-down = down
console-help-page-up = a page up
console-help-page-down = a page down
console-help-home = first row
console-help-end = last row
console-help-approve = approve the chat: the bot captures there
console-help-block = block the chat: the bot captures nothing there
console-help-reset-chat = put the chat back to pending
console-help-reply-mode = how the bot answers: card, reaction or nothing
console-help-confidence = the confidence a task needs for a card
console-help-chat-retention = the chat's retention override
console-help-filter = show all, pending, approved or blocked chats
console-help-add-chat = approve a chat by its id, before the bot has seen it
console-help-new-provider = add a provider
console-help-edit-provider = edit the provider
console-help-test-provider = test the connection with a sample message
console-help-delete-provider = delete the provider
console-help-rotate-kek = rotate the key-encryption key (new key file)
console-help-rotate-dek = new data-key versions, then re-encrypt
console-help-rewrap = re-encrypt values still on old versions
console-help-retire = retire versions no value uses
console-help-purge = purge what has expired, now
console-help-edit-policy = edit the default retention and its bounds
console-help-verify = verify the hash chain
console-help-search = search actions, actors, subjects and details
console-help-subject-requests = only data-subject requests (exports, erasures)
console-short-help = help
console-short-quit = quit
console-short-approve = approve
console-short-block = block
console-short-reply-mode = mode
console-short-confidence = confidence
console-short-chat-retention = retention
console-short-filter = filter
console-short-new-provider = new
console-short-edit-provider = edit
console-short-test-provider = test
console-short-delete-provider = delete
console-short-rotate-kek = rotate KEK
console-short-rotate-dek = rotate data keys
console-short-rewrap = re-encrypt
console-short-retire = retire
console-short-purge = purge now
console-short-edit-policy = policy
console-short-verify = verify
console-short-search = search
console-short-subject-requests = requests

# Overview
console-ov-data = Data
console-ov-health = Keys and providers
console-ov-chats = Chats
console-ov-pending = pending
console-ov-approved = approved
console-ov-blocked = blocked
console-ov-people = People
console-ov-messages = Messages
console-ov-open-tasks = Open tasks
console-ov-inbox = Inbox
console-ov-outbox = Outbox
console-ov-waiting = waiting
console-ov-dead = dead
console-ov-dead-letters = Dead letters
console-ov-none = none
console-ov-audit = Audit log
console-ov-last-purge = Last purge
console-ov-never = never
console-ov-purge-counts = { $messages } messages, { $tasks } tasks ({ $trigger })
console-ov-purge-unfinished = did not finish
console-ov-kek = KEK
console-ov-kek-version = v{ $version } ({ $retired } retired)
console-ov-key-version = v{ $version } (decrypts from v{ $min })
console-ov-person-keys = People's keys
console-ov-providers = Providers
console-ov-no-providers = none: the builtin classifier does the work
console-key-system = System key
console-key-blind-index = Blind index
console-key-person = People
console-key-other = Other
console-circuit-closed = closed
console-circuit-open = OPEN
console-circuit-half-open = half-open
console-circuit-unknown = —
console-health-ok = ok { $ago }
console-health-unused = not used yet
console-provider-disabled = disabled

# Chats
console-chats-filter = Show
console-chats-all = all { $n }
console-chats-pending = pending { $n }
console-chats-approved = approved { $n }
console-chats-blocked = blocked { $n }
console-chats-empty = No chats yet: add the bot to a group and it appears here as pending, or press n to approve a chat by its id.
console-chats-none-match = No chat has this status.
console-chat-untitled = (no title)
console-chat-pending = pending
console-chat-approved = approved
console-chat-blocked = blocked
console-chat-decided = Decided by { $by }, { $ago }
console-chat-undecided = Waiting for an operator's decision: nothing is captured.
console-chat-notice-sent = Privacy notice posted { $ago }
console-chat-notice-not-sent = Privacy notice not posted yet
console-kind-private = private
console-kind-group = group
console-kind-supergroup = supergroup
console-kind-channel = channel
console-kind-unknown = not seen yet
console-mode-reply = card
console-mode-react = reaction
console-mode-silent = silent
console-col-chat-id = Chat
console-col-status = Status
console-col-mode = Reply
console-col-confidence = Conf.
console-col-retention = Retention
console-col-title = Title

# Providers
console-providers-empty = No providers yet. Press n to add one (OpenAI, Ollama, vLLM, llama.cpp, OpenRouter, LM Studio).
console-providers-builtin = Until then the builtin offline classifier does the work.
console-col-name = Name
console-col-model = Model
console-col-enabled = On
console-col-circuit = Circuit
console-col-health = Last outcome
console-provider-settings = Settings
console-provider-settings-value = timeout { $timeout } ms · { $rpm }/min · redact PII { $redact } · API key { $key }
console-provider-last-ok = Last success
console-provider-last-error = Last error
console-provider-circuit-since = Circuit changed
console-provider-changed = Settings changed
console-test-ok-title = { $name } answered
console-test-failed-title = { $name } failed
console-test-latency = Latency: { $ms } ms
console-test-sample = Sample: “{ $sample }”
console-test-result = Result: { $kind }, priority { $priority }, confidence { $confidence }
console-test-title = Title: { $title }
console-test-error = Error: { $error }

# Keys
console-keys-kek = Key-encryption key
console-keys-data-keys = Data keys
console-keys-values = Values by key version
console-keys-people = { $n } keys, newest v{ $version }, min v{ $min }
console-keys-erased = erased
console-keys-unreadable = unreadable
console-keys-rewrapping = Re-encrypting…
console-keys-progress = { $column }: { $scanned } read, { $rewritten } re-encrypted, { $skipped } skipped
console-keys-stale = { $n } values still on old versions: press w to re-encrypt them.
console-keys-current = Every value uses its key's current version.
console-key-active = active
console-key-retired = retired
console-col-version = Ver.
console-col-state = State
console-col-wraps = Wraps
console-col-key = Key
console-col-values = Values
console-kek-elsewhere-title = The key is not in a key file
console-kek-elsewhere = The KEK comes from a systemd credential or the environment, so the console cannot replace it. Run `tasktracker keys rotate-kek --new-key-file FILE`, then replace the credential and restart the bot.

# Retention
console-ret-policy = Policy
console-ret-policy-value = { $default } days by default; chats may choose { $min } to { $max }
console-ret-would-purge = A purge now would delete { $messages } messages, { $inbox } inbox rows and { $outbox } outbox items.
console-ret-default = default
console-ret-runs = Recent purges
console-ret-running = running
console-ret-dry-run = counted only
console-ret-done = done
console-col-override = Override
console-col-effective = Applies
console-col-would-purge = Would purge now
console-col-started = Started (UTC)
console-col-trigger = Trigger
console-col-messages = Messages
console-col-tasks = Tasks
console-col-queues = Queues
console-col-result = Result

# Audit
console-audit-chain = Hash chain:
console-audit-unverified = not verified yet (press v)
console-audit-intact = intact, { $n } entries checked
console-audit-broken = BROKEN at entry { $seq }: { $reason }
console-audit-all = All entries
console-audit-subject-requests = Data-subject requests
console-audit-search = Search: { $q }
console-audit-shown = { $n } shown of { $loaded } loaded
console-audit-empty = No entries match.
console-col-seq = #
console-col-time = Time (UTC)
console-col-actor = Actor
console-col-action = Action
console-col-subject = Subject

# Forms
console-form-new-provider = New provider
console-form-edit-provider = Edit provider
console-form-reply-mode = Reply mode
console-form-confidence = Confidence threshold
console-form-chat-retention = Retention override
console-form-policy = Retention policy
console-form-search = Search the audit log
console-form-submit = save
console-form-next = next field
console-form-cancel = cancel
console-form-saving = Saving…
console-field-name = Name
console-field-kind = Kind
console-field-base-url = Base URL
console-field-model = Model
console-field-api-key = API key
console-field-timeout = Timeout (ms)
console-field-rpm = Requests/min
console-field-redact = Redact PII
console-field-default = Default
console-field-enabled = Enabled
console-field-reply-mode = Answer with
console-field-confidence = Threshold
console-field-retention-days = Days
console-field-default-days = Default days
console-field-min-days = Minimum days
console-field-max-days = Maximum days
console-field-search = Text
console-secret-stored = (stored, encrypted; type to replace)
console-secret-none = (none)
console-secret-remove = (will be removed)
console-hint-secret = Typed keys are shown as dots and stored encrypted.
console-hint-secret-stored = Type a new key to replace it; Delete removes the stored key.
console-hint-toggle = Space or ←/→ to change.
console-hint-retention-days = { $min } to { $max }; empty for the default ({ $default }).
console-hint-confidence = From 0 to 1, such as 0.6.
console-hint-base-url = With /v1, such as http://127.0.0.1:11434/v1 for Ollama.
console-hint-search = Empty shows every entry.
console-error-number = { $field } must be a whole number.
console-error-confidence = The threshold must be a number from 0 to 1.
console-error-retention-bounds = Chats may keep messages { $min } to { $max } days.
console-error-policy = It needs 1 ≤ minimum ≤ default ≤ maximum ≤ { $max }.
console-error-redact-remote = PII redaction may be off only for a provider on this machine (localhost).

# Confirmations
console-confirm-yes = yes, do it
console-confirm-no = no
console-confirm-audited = The change is recorded in the audit log under your name.
console-confirm-approve-title = Approve chat { $chat }?
console-confirm-approve = The bot starts capturing messages in { $title } ({ $chat }) and posts its privacy notice there.
console-confirm-block-title = Block chat { $chat }?
console-confirm-block = The bot stops capturing messages in { $title } ({ $chat }). Messages stored so far stay until retention removes them.
console-confirm-reset-title = Put chat { $chat } back to pending?
console-confirm-reset = The bot stops capturing in { $title } ({ $chat }) until an operator decides again.
console-confirm-reply-mode-title = Reply mode of chat { $chat }
console-confirm-reply-mode = In chat { $chat } the bot will answer tasks with: { $mode }.
console-confirm-confidence-title = Confidence threshold of chat { $chat }
console-confirm-confidence = In chat { $chat } only results at least { $value } confident get a card or reaction.
console-confirm-chat-retention-title = Retention of chat { $chat }
console-confirm-chat-retention = Chat { $chat } keeps messages for { $days ->
    [one] { $days } day
   *[other] { $days } days
}.
console-confirm-chat-retention-default = Chat { $chat } follows the default again ({ $days } days).
console-confirm-retention-note = Messages older than that are deleted by the next purge.
console-confirm-policy-title = Change the retention policy?
console-confirm-policy = Default { $default } days; chats may choose { $min } to { $max } days.
console-confirm-delete-provider-title = Delete provider { $name }?
console-confirm-delete-provider = The provider { $name } and its encrypted API key are deleted; the bot stops using it.
console-confirm-delete-default = It is the default provider: the bot falls back to the builtin classifier.
console-confirm-rotate-kek-title = Rotate the key-encryption key?
console-confirm-rotate-kek = A new key file is created and every data key is rewrapped under it, in one transaction. The running bot switches to the new key by itself.
console-confirm-rotate-kek-backup = The old key file is kept beside it (KEY.vN): old database backups need it. Back up the new key file.
console-confirm-rotate-dek-title = Rotate the data keys?
console-confirm-rotate-dek = New versions of the system key and every person's key are used for new writes at once; old values are then re-encrypted in short batches while the bot runs.
console-confirm-rewrap-title = Re-encrypt old values?
console-confirm-rewrap = Values still on old key versions are re-encrypted in short batches.
console-confirm-retire-title = Retire old key versions?
console-confirm-retire = Versions no value uses are deleted and can never decrypt again. Backups older than this need them.
console-confirm-purge-title = Purge now?
console-confirm-purge = About { $messages } expired messages, { $inbox } inbox rows and { $outbox } outbox items are deleted, in short batches.
console-confirm-purge-tasks = Tasks made from the deleted messages go with them.

# Progress and outcomes
console-busy-rotate-kek = Rotating the key-encryption key…
console-busy-rotate-dek = Rotating the data keys…
console-busy-rewrap = Re-encrypting…
console-busy-retire = Retiring old key versions…
console-busy-purge = Purging…
console-busy-test = Testing the provider…
console-busy-verify = Verifying the audit log…
console-notice-chat-approved = Chat { $chat } is approved: the bot captures there now.
console-notice-chat-blocked = Chat { $chat } is blocked.
console-notice-chat-reset = Chat { $chat } is pending again.
console-notice-chat-unchanged = Chat { $chat } was { $status } already; nothing changed.
console-notice-chat-updated = Chat { $chat } is updated.
console-notice-policy-saved = The retention policy is saved.
console-notice-provider-saved = Provider { $name } is saved; the bot picks it up without a restart.
console-notice-provider-deleted = Provider { $name } is deleted.
console-notice-kek-rotated = KEK v{ $version } is in place; the old key is kept at { $backup }.
console-notice-dek-rotated = New versions of { $keys } data keys; re-encrypting old values…
console-notice-rewrapped = Re-encrypted { $rewritten } of { $scanned } values.
console-notice-retired = Retired old versions of { $keys } data keys.
console-notice-purged = Purged { $messages } messages and { $tasks } tasks.
console-what-load = Reading the database
console-what-decide = Changing the chat's approval
console-what-chat = Changing the chat's settings
console-what-policy = Saving the retention policy
console-what-save-provider = Saving the provider
console-what-delete-provider = Deleting the provider
console-what-test = Testing the provider
console-what-rotate-kek = Rotating the key-encryption key
console-what-rotate-dek = Rotating the data keys
console-what-rewrap = Re-encrypting
console-what-retire = Retiring old key versions
console-what-purge = Purging
console-what-verify = Verifying the audit log
console-form-add-chat = Approve a chat by id
console-field-chat-id = Chat id
console-hint-chat-id = Group ids are negative, such as -1001234567890.
console-error-chat-id = A chat id is a whole number other than 0, such as -1001234567890.
console-confirm-approve-id = The bot will capture messages in chat { $chat } as soon as it is added there.

# Dead letters (under the overview: d)
console-tab-dead-letters = Dead letters
console-help-dead-letters = the dead letters: updates and messages that failed every retry
console-short-dead-letters = dead letters
console-help-requeue = requeue: back in its queue, attempts reset, due now
console-short-requeue = requeue
console-help-requeue-all = requeue every dead letter
console-short-requeue-all = all
console-help-discard = discard the dead letter for good
console-short-discard = discard
console-help-back = back to the overview
console-short-back = back
console-dl-inbox = inbox
console-dl-outbox = outbox
console-dl-summary = { $inbox } in the inbox, { $outbox } in the outbox
console-dl-empty = No dead letters: every update was applied and every message delivered.
console-dl-chat = chat { $chat }
console-dl-queued = Queued { $when } UTC ({ $ago }); { $attempts ->
    [one] { $attempts } attempt
   *[other] { $attempts } attempts
}
console-dl-no-error = No error was recorded.
console-col-queue = Queue
console-col-id = Id
console-col-kind = Kind
console-col-attempts = Tries
console-col-queued = Queued
console-col-error = Last error
console-confirm-requeue-title = Requeue { $queue } { $id }?
console-confirm-requeue = { $queue } { $id } ({ $kind }) goes back to its queue with its attempts reset, due now: the running bot tries it again.
console-confirm-requeue-inbox-order = The inbox is applied in update order, so this update goes before the newer ones still waiting.
console-confirm-requeue-all-title = Requeue every dead letter?
console-confirm-requeue-all = Inbox: { $inbox }, outbox: { $outbox }. They go back to their queues with their attempts reset, due now: the running bot tries them again.
console-confirm-discard-title = Discard { $queue } { $id }?
console-confirm-discard = { $queue } { $id } ({ $kind }) is deleted: it is never applied or sent. This cannot be undone.
console-notice-requeued = { $queue } { $id } is back in its queue.
console-notice-requeued-all = Back in their queues: { $inbox } from the inbox, { $outbox } from the outbox.
console-notice-discarded = { $queue } { $id } was discarded.
console-notice-not-dead = { $queue } { $id } is no longer a dead letter; nothing was done.
console-what-requeue = Requeueing
console-what-discard = Discarding
