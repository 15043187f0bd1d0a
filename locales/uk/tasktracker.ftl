# tasktracker — українська. Кожен ключ має бути в усіх локалях (це перевіряє
# тест), з тими самими змінними.

## Команди, як їх показує Telegram (set_my_commands)
cmd-start = Почати й дізнатися, що вміє бот
cmd-help = Як користуватися ботом
cmd-privacy = Що про вас зберігається і ваші права
cmd-tasks = Відкриті задачі цього чату
cmd-done = Позначити задачу виконаною: /done 12
cmd-mode = Як бот відповідає тут (адміни)
cmd-optout = Не зберігати мої повідомлення
cmd-optin = Знову зберігати мої повідомлення
cmd-export = Надіслати мені всі мої дані
cmd-forget = Стерти всі мої дані

## Приватний чат
start =
    Привіт! Я знаходжу задачі та повідомлення про баги в групових чатах вашої команди й тримаю їх у /tasks.
    Додайте мене до групи; оператор схвалить її, перш ніж я щось збережу.
    Ваші дані — ваші права: /privacy.
help =
    У групі я читаю повідомлення, розпізнаю задачі й баги та відповідаю карткою задачі.
    /tasks — відкриті задачі чату
    /done 12 — позначити задачу 12 виконаною
    /mode — як я відповідаю тут: reply, react або silent (адміни)
    /privacy — що я зберігаю і навіщо
    /optout, /optin — припинити або відновити збереження ваших повідомлень
    /export, /forget — отримати або стерти всі ваші дані (у приватному чаті зі мною)

## Приєднання до чату
notice-joined =
    Вітаю! Я { $bot }. Я читаю повідомлення цього чату, щоб розпізнавати задачі й баги, і відповідаю карткою задачі.
    Я зберігаю повідомлення зашифрованими й видаляю їх через { $days ->
        [one] { $days } день
        [few] { $days } дні
       *[other] { $days } днів
    }.
    Кожен може подивитися, що я зберігаю, командою /privacy, зупинити мене — /optout, а отримати чи стерти свої дані — /export і /forget у приватному чаті зі мною.
notice-pending = Оператор ще не схвалив цей чат, тож поки що я нічого тут не зберігаю.
notice-privacy-mode = Адміністраторам: режим приватності Telegram приховує від мене більшість повідомлень. Зробіть мене адміністратором або вимкніть режим приватності в @BotFather, щоб я бачив задачі.

## Картка задачі
kind-task = Задача
kind-bug = Баг
kind-question = Питання
kind-info = Інформація
kind-chatter = Розмова
priority-low = низький
priority-normal = звичайний
priority-high = високий
priority-urgent = терміново
card-title = { $kind } #{ $id }: { $title }
card-priority = Пріоритет: { $priority }
card-due = Термін: { $date }
card-assignees = Для: { $people }
button-done = ✅ Виконано
button-not-task = ✖ Не задача
card-done = Виконав(ла) { $who }.
card-dismissed = { $who } позначив(ла): не задача.
card-done-unnamed = Виконано.
card-dismissed-unnamed = Позначено: не задача.

## /tasks і /done
tasks-header = Відкриті задачі ({ $count }):
tasks-empty = Відкритих задач тут немає.
tasks-page = Сторінка { $page } з { $pages }
button-previous = ◀ Назад
button-next = Далі ▶
done-usage = Яка задача? Напишіть /done і її номер, наприклад /done 12.
done-not-found = У цьому чаті немає відкритої задачі #{ $id }.
done-ok = Задачу #{ $id } виконано.

## /mode
mode-current = Тут я відповідаю так: { $mode }. Змінити: /mode reply, /mode react або /mode silent.
mode-changed = Готово: відтепер я відповідаю так: { $mode }.
mode-admins-only = Лише адміністратори цього чату можуть змінити, як я відповідаю.
mode-reply = карткою задачі
mode-react = реакцією
mode-silent = ніяк (але /tasks веду)

## Згода
optout-done = Готово: я більше не зберігаю ваші повідомлення. /optin скасовує це.
optin-done = Готово: я знову зберігаю ваші повідомлення. /optout зупиняє це.

## Відмови
private-only = Про особисті дані я говорю лише в приватному чаті: { $link }
not-yours = Ця кнопка не для вас.
rate-limited = Забагато команд; спробуйте знову за { $seconds } с.
unknown-command = Я не знаю такої команди. /help покаже, що я вмію.

## Бот у чатах (обробник)
tasks-line = { $kind } #{ $id }: { $title }
tasks-line-due = { $kind } #{ $id }: { $title } (до { $date })
group-only = Це працює в груповому чаті: додайте мене до групи вашої команди й користуйтеся там.
admin-check-failed = Не вдалося перевірити, чи ви адміністратор цього чату; спробуйте ще раз за хвилину.
button-expired = Ця кнопка більше не діє.
task-already-closed = Задачу #{ $id } уже закрито.
mode-button = { $mode }
privacy-policy =
    Що я зберігаю: повідомлення схвалених групових чатів (текст і підписи, з їхніми змінами), ваше ім'я, @username і мову, задачі, знайдені у ваших повідомленнях, і ваш вибір /optout та /optin.
    Навіщо: щоб знаходити задачі й повідомлення про помилки та вести /tasks цього чату.
    Як довго: { $days ->
        [one] { $days } день
        [few] { $days } дні
       *[other] { $days } днів
    } тут, потім усе видаляється.
    Де: у базі даних оператора, зашифровано вашим власним ключем.
    Ваші права: /export надішле вам усі ваші дані, /forget їх зітре, /optout зупинить збереження ваших повідомлень (/export і /forget — у приватному чаті зі мною).
    Контакт: { $contact }
privacy-contact-none = оператор цього бота

## Export and erasure
export-about = Цей файл містить усе, що tasktracker зберігає про вас: ваш профіль, ваші повідомлення й задачі, розпізнані в них, задачі інших людей, призначені вам, ваші рішення щодо згоди та ваші запити. Він не містить нічого про інших людей. Великий експорт приходить кількома частинами; кожна частина — повний JSON-файл з тим самим export_id.
export-preparing = Збираю ваші дані; це займе трохи часу.
export-caption = Ваші дані станом на { $date }, частина { $part } з { $parts }.
export-done = Це все, що я зберігаю про вас. Повідомлень: { $messages }; файлів: { $parts }.
export-refused = Ви нещодавно вже отримали експорт. Наступний можливий о { $time } (UTC).
export-failed = Вибачте, я не зміг підготувати ваш експорт. Він не зараховується до ліміту; спробуйте, будь ласка, пізніше.
forget-confirm = Це стирає все, що я зберігаю про вас, одразу й назавжди: ваші повідомлення, задачі з них, ваші призначення, мої відповіді з цитатами з вас, ваш профіль і ваш ключ. Підтвердьте протягом { $minutes } хв.
forget-button-confirm = 🗑 Стерти все
forget-button-cancel = Скасувати
forget-cancelled = Скасовано: нічого не стерто.
forget-expired = Час на підтвердження минув; надішліть /forget ще раз.
forget-closed = Це підтвердження вже недійсне; надішліть /forget ще раз, якщо досі цього хочете.
forget-done =
    Готово: усе, що я зберігав про вас, стерто, а ваш ключ знищено.
    Повідомлень: { $messages }
    Задач із них: { $tasks }
    Призначень: { $assignments }
    Моїх відповідей із цитатами з вас: { $replies }
    Лишився тільки анонімний запис про те, що стирання відбулося.
forget-nothing = Я нічого про вас не зберігаю, тож стирати нічого.
## Console
# tasktracker-console, консоль операторів. Ключі починаються з console-;
# короткі підписи (console-short-*) мають бути короткими: рядок підказок
# завширшки 80 колонок.
console-yes = так
console-no = ні
console-close = закрити
console-loading = Завантаження…
console-tab-overview = Огляд
console-tab-chats = Чати
console-tab-providers = Провайдери
console-tab-keys = Ключі
console-tab-retention = Зберігання
console-tab-audit = Аудит
console-status-operator = Зміни записуються в аудит як { $actor }
console-status-working = Виконується…
console-status-failed = Не вдалося: { $what }. Причина — у повідомленні.
console-ago-now = щойно
console-ago-minutes = { $n } хв тому
console-ago-hours = { $n } год тому
console-ago-days = { $n ->
    [one] { $n } день тому
    [few] { $n } дні тому
   *[other] { $n } днів тому
}
console-days = { $n ->
    [one] { $n } день
    [few] { $n } дні
   *[other] { $n } днів
}
console-days-default = { $n } дн., типово

# Help and hints
console-help-title = Клавіші
console-help-everywhere = Усюди
console-help-no-keys = Цей екран лише показує; він оновлюється сам.
console-help-move = рухати виділення
console-help-goto = перейти на екран за номером
console-help-help = ця довідка
console-help-quit = вийти з консолі
console-help-next-screen = наступний екран
console-help-prev-screen = попередній екран
console-help-refresh = оновити зараз
console-help-up = вгору
console-help-down = вниз
console-help-page-up = сторінка вгору
console-help-page-down = сторінка вниз
console-help-home = перший рядок
console-help-end = останній рядок
console-help-approve = схвалити чат: бот збирає там повідомлення
console-help-block = заблокувати чат: бот нічого там не збирає
console-help-reset-chat = повернути чат до очікування
console-help-reply-mode = як бот відповідає: картка, реакція або нічого
console-help-confidence = впевненість, потрібна задачі для картки
console-help-chat-retention = власний строк зберігання чату
console-help-filter = показати всі, очікувані, схвалені або заблоковані
console-help-add-chat = схвалити чат за id, ще до того, як бот його побачить
console-help-new-provider = додати провайдера
console-help-edit-provider = змінити провайдера
console-help-test-provider = перевірити з'єднання пробним повідомленням
console-help-delete-provider = видалити провайдера
console-help-rotate-kek = замінити ключ шифрування ключів (новий файл)
console-help-rotate-dek = нові версії ключів даних, потім перешифрування
console-help-rewrap = перешифрувати значення на старих версіях
console-help-retire = вивести з ужитку версії, яких ніщо не використовує
console-help-purge = видалити прострочене зараз
console-help-edit-policy = змінити типовий строк і його межі
console-help-verify = перевірити ланцюжок хешів
console-help-search = шукати в діях, виконавцях, об'єктах і деталях
console-help-subject-requests = лише запити суб'єктів даних (експорт, видалення)
console-short-help = довідка
console-short-quit = вихід
console-short-approve = схвалити
console-short-block = блок
console-short-reply-mode = режим
console-short-confidence = поріг
console-short-chat-retention = строк
console-short-filter = фільтр
console-short-new-provider = новий
console-short-edit-provider = змінити
console-short-test-provider = тест
console-short-delete-provider = видалити
console-short-rotate-kek = новий KEK
console-short-rotate-dek = нові ключі
console-short-rewrap = перешифр.
console-short-retire = вивести
console-short-purge = очистити
console-short-edit-policy = політика
console-short-verify = перевірити
console-short-search = пошук
console-short-subject-requests = запити

# Overview
console-ov-data = Дані
console-ov-health = Ключі та провайдери
console-ov-chats = Чати
console-ov-pending = чекають
console-ov-approved = схвалено
console-ov-blocked = заблоковано
console-ov-people = Люди
console-ov-messages = Повідомлення
console-ov-open-tasks = Відкр. задачі
console-ov-inbox = Вхідні
console-ov-outbox = Вихідні
console-ov-waiting = у черзі
console-ov-dead = мертвих
console-ov-dead-letters = Мертві листи
console-ov-none = немає
console-ov-audit = Журнал аудиту
console-ov-last-purge = Остання очистка
console-ov-never = ще не було
console-ov-purge-counts = повідомлень: { $messages }, задач: { $tasks } ({ $trigger })
console-ov-purge-unfinished = не завершилася
console-ov-kek = KEK
console-ov-kek-version = v{ $version } (виведено: { $retired })
console-ov-key-version = v{ $version } (розшифровує від v{ $min })
console-ov-person-keys = Ключі людей
console-ov-providers = Провайдери
console-ov-no-providers = немає: працює вбудований класифікатор
console-key-system = Системний ключ
console-key-blind-index = Сліпий індекс
console-key-person = Люди
console-key-other = Інше
console-circuit-closed = закритий
console-circuit-open = ВІДКРИТИЙ
console-circuit-half-open = напіввідкр.
console-circuit-unknown = —
console-health-ok = гаразд { $ago }
console-health-unused = ще не використовувався
console-provider-disabled = вимкнено

# Chats
console-chats-filter = Показати
console-chats-all = усі { $n }
console-chats-pending = чекають { $n }
console-chats-approved = схвалені { $n }
console-chats-blocked = заблоковані { $n }
console-chats-empty = Чатів ще немає: додайте бота до групи, і вона з'явиться тут як очікувана, або натисніть n, щоб схвалити чат за id.
console-chats-none-match = Немає чатів із таким станом.
console-chat-untitled = (без назви)
console-chat-pending = чекає
console-chat-approved = схвалено
console-chat-blocked = заблоковано
console-chat-decided = Вирішив { $by }, { $ago }
console-chat-undecided = Чекає рішення оператора: нічого не збирається.
console-chat-notice-sent = Повідомлення про приватність надіслано { $ago }
console-chat-notice-not-sent = Повідомлення про приватність ще не надіслано
console-kind-private = приватний
console-kind-group = група
console-kind-supergroup = супергрупа
console-kind-channel = канал
console-kind-unknown = ще не бачений
console-mode-reply = картка
console-mode-react = реакція
console-mode-silent = тихо
console-col-chat-id = Чат
console-col-status = Стан
console-col-mode = Відповідь
console-col-confidence = Поріг
console-col-retention = Зберігання
console-col-title = Назва

# Providers
console-providers-empty = Провайдерів ще немає. Натисніть n, щоб додати (OpenAI, Ollama, vLLM, llama.cpp, OpenRouter, LM Studio).
console-providers-builtin = Доти працює вбудований офлайн-класифікатор.
console-col-name = Назва
console-col-model = Модель
console-col-enabled = Увімк.
console-col-circuit = Запобіжник
console-col-health = Останній результат
console-provider-settings = Налаштування
console-provider-settings-value = тайм-аут { $timeout } мс · { $rpm }/хв · приховувати ПД { $redact } · API-ключ { $key }
console-provider-last-ok = Останній успіх
console-provider-last-error = Остання помилка
console-provider-circuit-since = Запобіжник змінився
console-provider-changed = Налаштування змінено
console-test-ok-title = { $name } відповів
console-test-failed-title = { $name }: помилка
console-test-latency = Затримка: { $ms } мс
console-test-sample = Зразок: «{ $sample }»
console-test-result = Результат: { $kind }, пріоритет { $priority }, впевненість { $confidence }
console-test-title = Заголовок: { $title }
console-test-error = Помилка: { $error }

# Keys
console-keys-kek = Ключ шифрування ключів
console-keys-data-keys = Ключі даних
console-keys-values = Значення за версіями ключів
console-keys-people = ключів: { $n }, v{ $version }, мін. v{ $min }
console-keys-erased = стерто
console-keys-unreadable = непрочитні
console-keys-rewrapping = Перешифрування…
console-keys-progress = { $column }: прочитано { $scanned }, перешифровано { $rewritten }, пропущено { $skipped }
console-keys-stale = Значень на старих версіях: { $n }. Натисніть w, щоб перешифрувати.
console-keys-current = Усі значення на поточних версіях своїх ключів.
console-key-active = діє
console-key-retired = виведено
console-col-version = Вер.
console-col-state = Стан
console-col-wraps = Обгортає
console-col-key = Ключ
console-col-values = Значень
console-kek-elsewhere-title = Ключ не у файлі
console-kek-elsewhere = KEK надходить із облікових даних systemd або зі змінної середовища, тож консоль не може його замінити. Виконайте `tasktracker keys rotate-kek --new-key-file FILE`, потім замініть облікові дані й перезапустіть бота.

# Retention
console-ret-policy = Політика
console-ret-policy-value = типово { $default } дн.; чати можуть обрати від { $min } до { $max }
console-ret-would-purge = Очистка зараз видалить повідомлень: { $messages }, вхідних: { $inbox }, вихідних: { $outbox }.
console-ret-default = типово
console-ret-runs = Останні очистки
console-ret-running = триває
console-ret-dry-run = лише підрахунок
console-ret-done = готово
console-col-override = Власний
console-col-effective = Діє
console-col-would-purge = Видалить зараз
console-col-started = Початок (UTC)
console-col-trigger = Причина
console-col-messages = Повідомл.
console-col-tasks = Задачі
console-col-queues = Черги
console-col-result = Результат

# Audit
console-audit-chain = Ланцюжок хешів:
console-audit-unverified = ще не перевірено (натисніть v)
console-audit-intact = цілий, перевірено записів: { $n }
console-audit-broken = РОЗІРВАНО на записі { $seq }: { $reason }
console-audit-all = Усі записи
console-audit-subject-requests = Запити суб'єктів даних
console-audit-search = Пошук: { $q }
console-audit-shown = показано { $n } із { $loaded } завантажених
console-audit-empty = Немає відповідних записів.
console-col-seq = №
console-col-time = Час (UTC)
console-col-actor = Хто
console-col-action = Дія
console-col-subject = Об'єкт

# Forms
console-form-new-provider = Новий провайдер
console-form-edit-provider = Зміна провайдера
console-form-reply-mode = Режим відповіді
console-form-confidence = Поріг впевненості
console-form-chat-retention = Власний строк зберігання
console-form-policy = Політика зберігання
console-form-search = Пошук у журналі аудиту
console-form-submit = зберегти
console-form-next = наступне поле
console-form-cancel = скасувати
console-form-saving = Збереження…
console-field-name = Назва
console-field-kind = Тип
console-field-base-url = Базова URL
console-field-model = Модель
console-field-api-key = API-ключ
console-field-timeout = Тайм-аут (мс)
console-field-rpm = Запитів/хв
console-field-redact = Приховувати ПД
console-field-default = Типовий
console-field-enabled = Увімкнено
console-field-reply-mode = Відповідати
console-field-confidence = Поріг
console-field-retention-days = Днів
console-field-default-days = Типово днів
console-field-min-days = Мінімум днів
console-field-max-days = Максимум днів
console-field-search = Текст
console-secret-stored = (збережено зашифрованим; введіть, щоб замінити)
console-secret-none = (немає)
console-secret-remove = (буде видалено)
console-hint-secret = Введений ключ показано крапками, він зберігається зашифрованим.
console-hint-secret-stored = Введіть новий ключ, щоб замінити; Delete видаляє збережений.
console-hint-toggle = Пробіл або ←/→, щоб змінити.
console-hint-retention-days = Від { $min } до { $max }; порожньо — типово ({ $default }).
console-hint-confidence = Від 0 до 1, наприклад 0.6.
console-hint-base-url = З /v1, наприклад http://127.0.0.1:11434/v1 для Ollama.
console-hint-search = Порожній рядок показує всі записи.
console-error-number = { $field }: потрібне ціле число.
console-error-confidence = Поріг має бути числом від 0 до 1.
console-error-retention-bounds = Чати можуть зберігати повідомлення від { $min } до { $max } днів.
console-error-policy = Потрібно 1 ≤ мінімум ≤ типово ≤ максимум ≤ { $max }.
console-error-redact-remote = Вимикати приховування ПД можна лише для провайдера на цій машині (localhost).

# Confirmations
console-confirm-yes = так, виконати
console-confirm-no = ні
console-confirm-audited = Зміну буде записано в журнал аудиту з вашим іменем.
console-confirm-approve-title = Схвалити чат { $chat }?
console-confirm-approve = Бот почне збирати повідомлення в «{ $title }» ({ $chat }) і опублікує там повідомлення про приватність.
console-confirm-block-title = Заблокувати чат { $chat }?
console-confirm-block = Бот припинить збирати повідомлення в «{ $title }» ({ $chat }). Вже збережені лишаються, доки їх не видалить строк зберігання.
console-confirm-reset-title = Повернути чат { $chat } до очікування?
console-confirm-reset = Бот припинить збирати в «{ $title }» ({ $chat }), доки оператор не вирішить знову.
console-confirm-reply-mode-title = Режим відповіді чату { $chat }
console-confirm-reply-mode = У чаті { $chat } бот відповідатиме на задачі так: { $mode }.
console-confirm-confidence-title = Поріг впевненості чату { $chat }
console-confirm-confidence = У чаті { $chat } картку чи реакцію отримають лише результати з упевненістю від { $value }.
console-confirm-chat-retention-title = Зберігання в чаті { $chat }
console-confirm-chat-retention = Чат { $chat } зберігатиме повідомлення { $days ->
    [one] { $days } день
    [few] { $days } дні
   *[other] { $days } днів
}.
console-confirm-chat-retention-default = Чат { $chat } знову дотримується типового строку ({ $days } дн.).
console-confirm-retention-note = Старіші повідомлення видалить наступна очистка.
console-confirm-policy-title = Змінити політику зберігання?
console-confirm-policy = Типово { $default } дн.; чати можуть обрати від { $min } до { $max } дн.
console-confirm-delete-provider-title = Видалити провайдера { $name }?
console-confirm-delete-provider = Провайдера { $name } і його зашифрований API-ключ буде видалено; бот перестане ним користуватися.
console-confirm-delete-default = Це типовий провайдер: бот перейде на вбудований класифікатор.
console-confirm-rotate-kek-title = Замінити ключ шифрування ключів?
console-confirm-rotate-kek = Буде створено новий файл ключа, і всі ключі даних буде переобгорнуто ним в одній транзакції. Запущений бот сам перейде на новий ключ.
console-confirm-rotate-kek-backup = Старий файл ключа лишиться поруч (KEY.vN): він потрібен старим резервним копіям бази. Зробіть резервну копію нового ключа.
console-confirm-rotate-dek-title = Замінити ключі даних?
console-confirm-rotate-dek = Нові версії системного ключа й ключів усіх людей одразу діятимуть для нових записів; старі значення потім перешифровуються короткими партіями, поки бот працює.
console-confirm-rewrap-title = Перешифрувати старі значення?
console-confirm-rewrap = Значення на старих версіях ключів перешифровуються короткими партіями.
console-confirm-retire-title = Вивести старі версії ключів?
console-confirm-retire = Версії, яких не використовує жодне значення, буде видалено, і вони вже ніколи не розшифрують. Старішим резервним копіям вони потрібні.
console-confirm-purge-title = Очистити зараз?
console-confirm-purge = Буде видалено близько { $messages } прострочених повідомлень, { $inbox } вхідних і { $outbox } вихідних записів, короткими партіями.
console-confirm-purge-tasks = Задачі з видалених повідомлень зникнуть разом із ними.

# Progress and outcomes
console-busy-rotate-kek = Заміна ключа шифрування ключів…
console-busy-rotate-dek = Заміна ключів даних…
console-busy-rewrap = Перешифрування…
console-busy-retire = Виведення старих версій ключів…
console-busy-purge = Очистка…
console-busy-test = Перевірка провайдера…
console-busy-verify = Перевірка журналу аудиту…
console-notice-chat-approved = Чат { $chat } схвалено: бот уже збирає там повідомлення.
console-notice-chat-blocked = Чат { $chat } заблоковано.
console-notice-chat-reset = Чат { $chat } знову чекає рішення.
console-notice-chat-unchanged = Чат { $chat } уже мав стан «{ $status }»; нічого не змінено.
console-notice-chat-updated = Чат { $chat } оновлено.
console-notice-policy-saved = Політику зберігання збережено.
console-notice-provider-saved = Провайдера { $name } збережено; бот підхопить зміни без перезапуску.
console-notice-provider-deleted = Провайдера { $name } видалено.
console-notice-kek-rotated = KEK v{ $version } діє; старий ключ збережено в { $backup }.
console-notice-dek-rotated = Нові версії ключів даних: { $keys }; перешифрування старих значень…
console-notice-rewrapped = Перешифровано { $rewritten } із { $scanned } значень.
console-notice-retired = Виведено старі версії ключів даних: { $keys }.
console-notice-purged = Видалено повідомлень: { $messages }, задач: { $tasks }.
console-what-load = Читання бази даних
console-what-decide = Зміна схвалення чату
console-what-chat = Зміна налаштувань чату
console-what-policy = Збереження політики зберігання
console-what-save-provider = Збереження провайдера
console-what-delete-provider = Видалення провайдера
console-what-test = Перевірка провайдера
console-what-rotate-kek = Заміна ключа шифрування ключів
console-what-rotate-dek = Заміна ключів даних
console-what-rewrap = Перешифрування
console-what-retire = Виведення старих версій ключів
console-what-purge = Очистка
console-what-verify = Перевірка журналу аудиту
console-form-add-chat = Схвалити чат за id
console-field-chat-id = Id чату
console-hint-chat-id = Id груп від'ємні, наприклад -1001234567890.
console-error-chat-id = Id чату — ціле число, не 0, наприклад -1001234567890.
console-confirm-approve-id = Бот збиратиме повідомлення в чаті { $chat }, щойно його туди додадуть.

# Dead letters (under the overview: d)
console-tab-dead-letters = Недоставлені
console-help-dead-letters = недоставлені: оновлення й повідомлення, що не вдалися після всіх спроб
console-short-dead-letters = недоставлені
console-help-requeue = повернути в чергу: спроби з нуля, бот пробує зараз
console-short-requeue = у чергу
console-help-requeue-all = повернути в чергу всі недоставлені
console-short-requeue-all = усі
console-help-discard = відкинути назавжди
console-short-discard = відкинути
console-help-back = назад до огляду
console-short-back = назад
console-dl-inbox = вхідні
console-dl-outbox = вихідні
console-dl-summary = вхідних: { $inbox }, вихідних: { $outbox }
console-dl-empty = Недоставлених немає: кожне оновлення застосовано, кожне повідомлення доставлено.
console-dl-chat = чат { $chat }
console-dl-queued = У черзі з { $when } UTC ({ $ago }); { $attempts ->
    [one] { $attempts } спроба
    [few] { $attempts } спроби
   *[other] { $attempts } спроб
}
console-dl-no-error = Помилку не записано.
console-col-queue = Черга
console-col-id = Id
console-col-kind = Вид
console-col-attempts = Спроб
console-col-queued = У черзі
console-col-error = Остання помилка
console-confirm-requeue-title = Повернути в чергу: { $queue } { $id }?
console-confirm-requeue = { $queue } { $id } ({ $kind }) повертається в чергу, спроби з нуля, одразу: запущений бот спробує ще раз.
console-confirm-requeue-inbox-order = Вхідні застосовуються за порядком оновлень, тож це оновлення піде перед новішими, що ще чекають.
console-confirm-requeue-all-title = Повернути в чергу всі недоставлені?
console-confirm-requeue-all = Вхідних: { $inbox }, вихідних: { $outbox }. Усі повертаються в черги, спроби з нуля, одразу: запущений бот спробує ще раз.
console-confirm-discard-title = Відкинути: { $queue } { $id }?
console-confirm-discard = { $queue } { $id } ({ $kind }) буде видалено: його ніколи не буде застосовано чи надіслано. Це не скасувати.
console-notice-requeued = { $queue } { $id } знову в черзі.
console-notice-requeued-all = Знову в черзі: вхідних { $inbox }, вихідних { $outbox }.
console-notice-discarded = { $queue } { $id } відкинуто.
console-notice-not-dead = { $queue } { $id } уже не серед недоставлених; нічого не зроблено.
console-what-requeue = Повернення в чергу
console-what-discard = Відкидання
