//! The fake Bot API server, tested over real HTTP with reqwest (and once
//! with teloxide, to prove it parses what the fake answers).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tests::fake_telegram::{FakeTelegram, Fault, Injection, MemberStatus, TOKEN, TgChat, TgUser};

const WAIT: Duration = Duration::from_secs(30);
const GROUP: i64 = -100_111;
const SUPERGROUP: i64 = -1_001_234_567_890;

fn alice() -> TgUser {
    TgUser::new(501, "Alice")
        .username("alice_dev")
        .language("uk")
}

fn bob() -> TgUser {
    TgUser::new(502, "Bob").language("en")
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// POSTs a JSON body; returns the status and the parsed body.
async fn call(fake: &FakeTelegram, method: &str, params: Value) -> (u16, Value) {
    let resp = client()
        .post(fake.method_url(method))
        .json(&params)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// The result of a call that must succeed.
async fn ok(fake: &FakeTelegram, method: &str, params: Value) -> Value {
    let (status, body) = call(fake, method, params).await;
    assert_eq!(status, 200, "{method}: {body}");
    assert_eq!(body["ok"], true, "{body}");
    body["result"].clone()
}

fn update_ids(result: &Value) -> Vec<i64> {
    result
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["update_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn unknown_token_is_unauthorized_and_unknown_method_not_found() {
    let fake = FakeTelegram::start().await;
    let url = format!("{}bot123:wrong/getMe", fake.api_url());
    let resp = client().get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
    );

    let (status, body) = call(&fake, "frobnicate", json!({"x": 1})).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 404, "description": "Not Found"})
    );
    let recorded = fake.calls_of("frobnicate");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].params.i64("x"), Some(1));
}

#[tokio::test]
async fn get_me_describes_the_bot_and_accepts_get_and_form() {
    let fake = FakeTelegram::start().await;
    let me = client()
        .get(fake.method_url("getMe"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(me["result"]["id"].as_i64(), Some(fake.bot_user().id));
    assert_eq!(me["result"]["is_bot"], true);
    assert_eq!(me["result"]["can_read_all_group_messages"], true);
    assert!(TOKEN.starts_with(&fake.bot_user().id.to_string()));

    fake.message(GROUP, &alice(), "hi").push();
    let resp = client()
        .post(fake.method_url("sendmessage")) // method names are case-insensitive
        .form(&[("chat_id", GROUP.to_string()), ("text", "form text".into())])
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["result"]["text"], "form text");
    assert_eq!(fake.calls_of("sendMessage").len(), 1);

    // Parameters in the query string, as a GET.
    fake.message(GROUP, &alice(), "again").push();
    let url = format!("{}?limit=1&offset=-2", fake.method_url("getUpdates"));
    let body: Value = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["result"].as_array().unwrap().len(), 1);
    assert_eq!(body["result"][0]["message"]["text"], "hi");
    assert_eq!(fake.offsets_received(), vec![Some(-2)]);

    let resp = client()
        .get(format!("{}nobot/getMe", fake.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn offsets_acknowledge_and_unacknowledged_updates_are_redelivered() {
    let fake = FakeTelegram::start().await;
    let ids: Vec<i64> = (0..3)
        .map(|i| fake.message(GROUP, &alice(), &format!("m{i}")).push())
        .collect();
    assert_eq!(fake.pending_updates(), 3);

    let first = ok(&fake, "getUpdates", json!({})).await;
    assert_eq!(update_ids(&first), ids);
    assert_eq!(first[0]["message"]["text"], "m0");
    // Without an offset nothing is acknowledged: a crashed client sees the
    // same batch again.
    let again = ok(&fake, "getUpdates", json!({})).await;
    assert_eq!(update_ids(&again), ids);
    assert_eq!(fake.acknowledged_offset(), 0);

    let rest = ok(&fake, "getUpdates", json!({"offset": ids[0] + 1})).await;
    assert_eq!(update_ids(&rest), ids[1..]);
    assert_eq!(fake.acknowledged_offset(), ids[0] + 1);
    assert_eq!(fake.pending_updates(), 2);

    // Acknowledgement is permanent: an older offset does not bring it back.
    let old = ok(&fake, "getUpdates", json!({"offset": ids[0]})).await;
    assert_eq!(update_ids(&old), ids[1..]);

    let none = ok(&fake, "getUpdates", json!({"offset": ids[2] + 1})).await;
    assert_eq!(none, json!([]));
    assert_eq!(fake.pending_updates(), 0);
    assert_eq!(
        fake.offsets_received(),
        vec![None, None, Some(ids[0] + 1), Some(ids[0]), Some(ids[2] + 1)]
    );
    fake.wait_for_acknowledged(ids[2] + 1, WAIT).await.unwrap();
}

#[tokio::test]
async fn a_negative_offset_keeps_only_the_last_updates() {
    let fake = FakeTelegram::start().await;
    let ids: Vec<i64> = (0..4)
        .map(|i| fake.message(GROUP, &bob(), &format!("m{i}")).push())
        .collect();
    let last = ok(&fake, "getUpdates", json!({"offset": -1})).await;
    assert_eq!(update_ids(&last), vec![ids[3]]);
    // The earlier ones are forgotten.
    let after = ok(&fake, "getUpdates", json!({})).await;
    assert_eq!(update_ids(&after), vec![ids[3]]);
    assert_eq!(fake.acknowledged_offset(), ids[3]);
}

#[tokio::test]
async fn limit_caps_the_batch() {
    let fake = FakeTelegram::start().await;
    let ids: Vec<i64> = (0..5)
        .map(|i| fake.message(GROUP, &bob(), &format!("m{i}")).push())
        .collect();
    let two = ok(&fake, "getUpdates", json!({"limit": 2})).await;
    assert_eq!(update_ids(&two), ids[..2]);
    let next = ok(
        &fake,
        "getUpdates",
        json!({"offset": ids[1] + 1, "limit": 2}),
    )
    .await;
    assert_eq!(update_ids(&next), ids[2..4]);
    // Out of range means the default, 100.
    let all = ok(&fake, "getUpdates", json!({"limit": 0})).await;
    assert_eq!(update_ids(&all), ids[2..]);
}

#[tokio::test]
async fn a_long_poll_returns_as_soon_as_an_update_arrives() {
    let fake = FakeTelegram::start().await;
    let url = fake.method_url("getUpdates");
    let poll = tokio::spawn(async move {
        client()
            .post(url)
            .json(&json!({"timeout": 60}))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    fake.wait_for_long_poll(WAIT).await.unwrap();
    let id = fake.message(GROUP, &alice(), "wake up").push();
    // Had the poll not woken, it would answer `[]` after 60 s.
    let body = poll.await.unwrap();
    assert_eq!(update_ids(&body["result"]), vec![id]);
}

#[tokio::test]
async fn a_long_poll_with_nothing_to_deliver_waits_for_its_timeout() {
    let fake = FakeTelegram::start().await;
    let started = Instant::now();
    let result = ok(&fake, "getUpdates", json!({"timeout": 1})).await;
    assert_eq!(result, json!([]));
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_newer_get_updates_ends_a_waiting_one_with_conflict() {
    let fake = FakeTelegram::start().await;
    let url = fake.method_url("getUpdates");
    let first = tokio::spawn(async move {
        let resp = client()
            .post(url)
            .json(&json!({"timeout": 60}))
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
    });
    fake.wait_for_long_poll(WAIT).await.unwrap();
    ok(&fake, "getUpdates", json!({})).await;
    let (status, body) = first.await.unwrap();
    assert_eq!(status, 409);
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .starts_with("Conflict")
    );
}

#[tokio::test]
async fn allowed_updates_filters_new_updates_and_persists() {
    let fake = FakeTelegram::start().await;
    fake.add_chat(TgChat::group(GROUP, "Team"));
    // The default leaves out chat_member.
    fake.push_update(json!({"chat_member": {"chat": {"id": GROUP, "type": "group"}}}));
    assert_eq!(fake.filtered_updates(), 1);

    ok(
        &fake,
        "getUpdates",
        json!({"allowed_updates": ["callback_query"]}),
    )
    .await;
    assert_eq!(
        fake.allowed_updates(),
        Some(vec!["callback_query".to_owned()])
    );
    let bot_msg = ok(
        &fake,
        "sendMessage",
        json!({"chat_id": GROUP, "text": "card"}),
    )
    .await;
    fake.message(GROUP, &alice(), "filtered").push();
    let cb = fake
        .callback_query(
            GROUP,
            &alice(),
            bot_msg["message_id"].as_i64().unwrap(),
            "done:1",
        )
        .push();
    // No allowed_updates this time: the previous setting still holds.
    let got = ok(&fake, "getUpdates", json!({})).await;
    assert_eq!(update_ids(&got), vec![cb]);
    assert_eq!(got[0]["callback_query"]["data"], "done:1");
    assert_eq!(got[0]["callback_query"]["message"]["text"], "card");
    assert_eq!(fake.filtered_updates(), 2);
}

#[tokio::test]
async fn send_message_ids_increase_per_chat_and_replies_are_embedded() {
    let fake = FakeTelegram::start().await;
    fake.add_chat(TgChat::supergroup(SUPERGROUP, "Team"));
    let asked = fake.message(SUPERGROUP, &alice(), "please fix the login page");
    let update = asked.build();
    let asked_id = update["message"]["message_id"].as_i64().unwrap();
    fake.push_update(update);
    fake.message(GROUP, &bob(), "hello").push();

    let markup = json!({"inline_keyboard": [[{"text": "✅ Done", "callback_data": "done:1"}]]});
    let card = ok(
        &fake,
        "sendMessage",
        json!({
            "chat_id": SUPERGROUP, "text": "Task: fix the login page",
            "reply_parameters": {"message_id": asked_id}, "reply_markup": markup,
        }),
    )
    .await;
    assert_eq!(card["message_id"].as_i64(), Some(asked_id + 1));
    assert_eq!(card["from"]["id"].as_i64(), Some(fake.bot_user().id));
    assert_eq!(
        card["chat"],
        json!({"id": SUPERGROUP, "type": "supergroup", "title": "Team"})
    );
    assert_eq!(
        card["reply_to_message"]["text"],
        "please fix the login page"
    );
    assert_eq!(card["reply_to_message"]["from"]["language_code"], "uk");
    assert_eq!(card["reply_markup"], markup);
    assert!(card["date"].as_i64().unwrap() > 0);

    let second = ok(
        &fake,
        "sendMessage",
        json!({"chat_id": SUPERGROUP, "text": "2"}),
    )
    .await;
    let other = ok(&fake, "sendMessage", json!({"chat_id": GROUP, "text": "x"})).await;
    assert_eq!(second["message_id"].as_i64(), Some(asked_id + 2));
    assert_eq!(other["message_id"].as_i64(), Some(2));

    let (status, body) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": GROUP, "text": "x", "reply_parameters": {"message_id": 999}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["description"],
        "Bad Request: message to be replied not found"
    );
    let (status, body) = call(&fake, "sendMessage", json!({"chat_id": -5, "text": "x"})).await;
    assert_eq!(
        (status, body["description"].as_str()),
        (400, Some("Bad Request: chat not found"))
    );

    let sent = fake.wait_for_calls("sendMessage", 3, WAIT).await.unwrap();
    assert_eq!(sent[0].params.json("reply_markup"), Some(markup));
}

#[tokio::test]
async fn send_document_records_the_multipart_upload() {
    let fake = FakeTelegram::start().await;
    let user = alice();
    fake.message(user.id, &user, "/export").push();
    let bytes = br#"{"schema":1,"messages":[]}"#.to_vec();
    let part = reqwest::multipart::Part::bytes(bytes.clone())
        .file_name("export-1.json")
        .mime_str("application/json")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("chat_id", user.id.to_string())
        .text("caption", "Your data")
        .part("document", part);
    let body: Value = client()
        .post(fake.method_url("sendDocument"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let doc = &body["result"]["document"];
    assert_eq!(doc["file_name"], "export-1.json");
    assert_eq!(doc["file_size"].as_u64(), Some(bytes.len() as u64));
    assert_eq!(doc["mime_type"], "application/json");
    assert_eq!(body["result"]["caption"], "Your data");
    assert_eq!(body["result"]["chat"]["type"], "private");

    let calls = fake.wait_for_calls("sendDocument", 1, WAIT).await.unwrap();
    let file = &calls[0].files[0];
    assert_eq!(file.field, "document");
    assert_eq!(file.file_name.as_deref(), Some("export-1.json"));
    assert_eq!(file.bytes, bytes);
    assert_eq!(calls[0].params.i64("chat_id"), Some(user.id));
}

#[tokio::test]
async fn edits_reactions_deletion_and_callback_answers_follow_telegram_rules() {
    let fake = FakeTelegram::start().await;
    let asked = fake.message(GROUP, &alice(), "deploy by Friday").push();
    let asked_id = fake.sent().len() as i64 + 1; // first message id of the chat
    assert!(asked > 0);
    let markup = json!({"inline_keyboard": [[{"text": "✅", "callback_data": "d"}]]});
    let card = ok(
        &fake,
        "sendMessage",
        json!({"chat_id": GROUP, "text": "Task", "reply_markup": markup}),
    )
    .await;
    let card_id = card["message_id"].as_i64().unwrap();

    let edited = ok(
        &fake,
        "editMessageText",
        json!({"chat_id": GROUP, "message_id": card_id, "text": "Task ✅", "reply_markup": markup}),
    )
    .await;
    assert_eq!(edited["text"], "Task ✅");
    assert!(edited["edit_date"].as_i64().is_some());
    let (status, body) = call(
        &fake,
        "editMessageText",
        json!({"chat_id": GROUP, "message_id": card_id, "text": "Task ✅", "reply_markup": markup}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .contains("message is not modified")
    );
    let (_, body) = call(
        &fake,
        "editMessageText",
        json!({"chat_id": GROUP, "message_id": asked_id, "text": "hijack"}),
    )
    .await;
    assert_eq!(body["description"], "Bad Request: message can't be edited");
    let stripped = ok(
        &fake,
        "editMessageReplyMarkup",
        json!({"chat_id": GROUP, "message_id": card_id}),
    )
    .await;
    assert!(stripped.get("reply_markup").is_none());

    let reaction = json!([{"type": "emoji", "emoji": "👍"}]);
    ok(
        &fake,
        "setMessageReaction",
        json!({"chat_id": GROUP, "message_id": asked_id, "reaction": reaction}),
    )
    .await;
    assert_eq!(fake.reaction(GROUP, asked_id), Some(reaction));
    let (_, body) = call(
        &fake,
        "setMessageReaction",
        json!({"chat_id": GROUP, "message_id": asked_id, "reaction": [{"type": "emoji", "emoji": "✅"}]}),
    )
    .await;
    assert_eq!(body["description"], "Bad Request: REACTION_INVALID");

    let cb = fake
        .callback_query(GROUP, &bob(), card_id, "d")
        .push_returning_id();
    ok(
        &fake,
        "answerCallbackQuery",
        json!({"callback_query_id": cb}),
    )
    .await;
    assert_eq!(fake.callback_answered(&cb), Some(true));
    let (status, _) = call(
        &fake,
        "answerCallbackQuery",
        json!({"callback_query_id": "nope"}),
    )
    .await;
    assert_eq!(status, 400);

    // Someone else's message in a group needs admin rights.
    let (_, body) = call(
        &fake,
        "deleteMessage",
        json!({"chat_id": GROUP, "message_id": asked_id}),
    )
    .await;
    assert_eq!(body["description"], "Bad Request: message can't be deleted");
    // Its own message, but after 48 hours of fake time.
    fake.advance_time(Duration::from_secs(49 * 3600));
    let (_, body) = call(
        &fake,
        "deleteMessage",
        json!({"chat_id": GROUP, "message_id": card_id}),
    )
    .await;
    assert_eq!(body["description"], "Bad Request: message can't be deleted");
    let fresh = ok(
        &fake,
        "sendMessage",
        json!({"chat_id": GROUP, "text": "tmp"}),
    )
    .await;
    let fresh_id = fresh["message_id"].as_i64().unwrap();
    assert_eq!(
        ok(
            &fake,
            "deleteMessage",
            json!({"chat_id": GROUP, "message_id": fresh_id})
        )
        .await,
        true
    );
    assert_eq!(fake.stored_message(GROUP, fresh_id), None);
    let (_, body) = call(
        &fake,
        "deleteMessage",
        json!({"chat_id": GROUP, "message_id": 9999}),
    )
    .await;
    assert_eq!(
        body["description"],
        "Bad Request: message to delete not found"
    );
}

#[tokio::test]
async fn commands_are_kept_per_scope_and_language() {
    let fake = FakeTelegram::start().await;
    let en = json!([{"command": "tasks", "description": "Open tasks"}]);
    let uk = json!([{"command": "tasks", "description": "Відкриті задачі"}]);
    ok(&fake, "setMyCommands", json!({"commands": en})).await;
    ok(
        &fake,
        "setMyCommands",
        json!({"commands": uk, "language_code": "uk"}),
    )
    .await;
    let group_scope = json!({"type": "all_group_chats"});
    ok(
        &fake,
        "setMyCommands",
        json!({"commands": en, "scope": group_scope}),
    )
    .await;
    assert_eq!(fake.my_commands().len(), 3);
    assert_eq!(
        ok(&fake, "getMyCommands", json!({"language_code": "uk"})).await,
        uk
    );
    assert_eq!(ok(&fake, "getMyCommands", json!({})).await, en);
    assert_eq!(
        ok(&fake, "getMyCommands", json!({"language_code": "de"})).await,
        json!([])
    );
    let (status, body) = call(
        &fake,
        "setMyCommands",
        json!({"commands": [{"command": "Bad-Name", "description": "x"}]}),
    )
    .await;
    assert_eq!(
        (status, body["description"].as_str()),
        (400, Some("Bad Request: BOT_COMMAND_INVALID"))
    );
}

#[tokio::test]
async fn membership_admins_and_privacy_mode() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot_user();
    fake.add_chat(TgChat::group(GROUP, "Team"));
    fake.set_admins(GROUP, &[alice()]);
    fake.message(GROUP, &bob(), "hi").push();

    let admins = ok(&fake, "getChatAdministrators", json!({"chat_id": GROUP})).await;
    assert_eq!(admins.as_array().unwrap().len(), 1);
    assert_eq!(admins[0]["status"], "creator");
    assert_eq!(admins[0]["user"]["id"].as_i64(), Some(alice().id));
    let member = ok(
        &fake,
        "getChatMember",
        json!({"chat_id": GROUP, "user_id": bob().id}),
    )
    .await;
    assert_eq!(member["status"], "member");

    // Privacy mode on: ordinary messages are hidden, commands are not.
    fake.set_can_read_all_group_messages(false);
    let me = ok(&fake, "getMe", json!({})).await;
    assert_eq!(me["can_read_all_group_messages"], false);
    ok(&fake, "getUpdates", json!({"offset": -1})).await;
    let before = fake.filtered_updates();
    fake.message(GROUP, &bob(), "ordinary chatter").push();
    let cmd = fake.message(GROUP, &bob(), "/tasks").push();
    assert_eq!(fake.filtered_updates(), before + 1);
    let got = ok(&fake, "getUpdates", json!({"offset": cmd})).await;
    assert_eq!(update_ids(&got), vec![cmd]);
    assert_eq!(got[0]["message"]["entities"][0]["type"], "bot_command");

    // Made admin, the bot sees everything.
    let promoted = fake
        .my_chat_member(GROUP, &alice(), MemberStatus::Administrator)
        .push();
    let me_member = ok(
        &fake,
        "getChatMember",
        json!({"chat_id": GROUP, "user_id": bot.id}),
    )
    .await;
    assert_eq!(me_member["status"], "administrator");
    let seen = fake.message(GROUP, &bob(), "ordinary again").push();
    let got = ok(&fake, "getUpdates", json!({"offset": promoted})).await;
    assert_eq!(update_ids(&got), vec![promoted, seen]);
    assert_eq!(
        got[0]["my_chat_member"]["old_chat_member"]["status"],
        "member"
    );

    // Kicked, it can no longer write there.
    fake.my_chat_member(GROUP, &alice(), MemberStatus::Kicked)
        .push();
    let (status, body) = call(&fake, "sendMessage", json!({"chat_id": GROUP, "text": "x"})).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["description"],
        "Forbidden: bot was kicked from the group chat"
    );
}

#[tokio::test]
async fn builders_fill_realistic_fields() {
    let fake = FakeTelegram::start().await;
    let original = fake.message(SUPERGROUP, &alice(), "ping @alice_dev").push();
    assert!(original > 0);
    let u = fake
        .message(SUPERGROUP, &bob(), "look")
        .reply_to(1)
        .forwarded_from(&alice())
        .as_caption()
        .build();
    let m = &u["message"];
    assert_eq!(m["chat"]["type"], "supergroup");
    assert_eq!(m["message_id"].as_i64(), Some(2));
    assert_eq!(m["caption"], "look");
    assert!(m.get("text").is_none());
    assert_eq!(m["reply_to_message"]["entities"][0]["type"], "mention");
    assert_eq!(
        m["forward_origin"]["sender_user"]["id"].as_i64(),
        Some(alice().id)
    );
    assert_eq!(m["from"]["language_code"], "en");

    let e = fake.edited_message(SUPERGROUP, &alice(), 1, "pong").push();
    let got = ok(&fake, "getUpdates", json!({"offset": e})).await;
    assert_eq!(got[0]["edited_message"]["message_id"].as_i64(), Some(1));
    assert!(got[0]["edited_message"]["edit_date"].as_i64().is_some());
    assert_eq!(fake.stored_message(SUPERGROUP, 1).unwrap()["text"], "pong");
}

#[tokio::test]
async fn push_many_queues_twenty_thousand_updates() {
    let fake = FakeTelegram::start().await;
    let people: Vec<TgUser> = (0..50).map(|i| TgUser::new(1000 + i, "P")).collect();
    let updates: Vec<Value> = (0..20_000)
        .map(|i| {
            let chat = -1_000_000_000_000 - (i % 200);
            fake.message(chat, &people[(i % 50) as usize], &format!("task {i}"))
                .build()
        })
        .collect();
    let ids = fake.push_many(updates);
    assert_eq!(ids.len(), 20_000);
    assert_eq!(fake.pending_updates(), 20_000);
    let mut offset = ids[0];
    let mut seen = 0;
    while seen < 20_000 {
        let batch = ok(&fake, "getUpdates", json!({"offset": offset})).await;
        let got = update_ids(&batch);
        assert_eq!(got.len(), 100);
        seen += got.len();
        offset = got[got.len() - 1] + 1;
    }
    ok(&fake, "getUpdates", json!({"offset": offset})).await;
    assert_eq!(fake.pending_updates(), 0);
}

// ----- faults --------------------------------------------------------------

#[tokio::test]
async fn too_many_requests_carries_retry_after_and_has_no_effect() {
    let fake = FakeTelegram::start().await;
    fake.message(GROUP, &alice(), "hi").push();
    fake.inject(Injection::next(1, Fault::TooManyRequests { retry_after: 7 }).on("sendMessage"));
    ok(&fake, "getMe", json!({})).await; // another method is untouched
    let (status, body) = call(&fake, "sendMessage", json!({"chat_id": GROUP, "text": "x"})).await;
    assert_eq!(status, 429);
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 429,
               "description": "Too Many Requests: retry after 7",
               "parameters": {"retry_after": 7}})
    );
    assert_eq!(fake.stored_message(GROUP, 2), None);
    let again = ok(&fake, "sendMessage", json!({"chat_id": GROUP, "text": "x"})).await;
    assert_eq!(again["message_id"].as_i64(), Some(2));
    let fired = fake.faults_fired();
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].method, "sendMessage");
    let calls = fake.calls_of("sendMessage");
    assert_eq!(calls[0].error_code, Some(429));
    assert!(calls[0].fault.is_some() && calls[1].fault.is_none());
}

#[tokio::test]
async fn server_errors_are_json_500_and_html_502() {
    let fake = FakeTelegram::start().await;
    fake.inject(Injection::next(1, Fault::ServerError(500)));
    fake.inject(Injection::next(1, Fault::ServerError(502)));
    let (status, body) = call(&fake, "getMe", json!({})).await;
    assert_eq!(status, 500);
    assert_eq!(body["description"], "Internal Server Error");
    let resp = client()
        .post(fake.method_url("getMe"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 502);
    assert!(resp.text().await.unwrap().contains("502 Bad Gateway"));
    ok(&fake, "getMe", json!({})).await;
    assert_eq!(fake.faults_fired().len(), 2);
}

#[tokio::test]
async fn a_slow_response_is_delayed_then_answered() {
    let fake = FakeTelegram::start().await;
    fake.inject(Injection::next(1, Fault::Slow(Duration::from_millis(700))).on("getMe"));
    let started = Instant::now();
    ok(&fake, "getMe", json!({})).await;
    assert!(started.elapsed() >= Duration::from_millis(700));
    assert_eq!(
        fake.faults_fired()[0].fault,
        Fault::Slow(Duration::from_millis(700))
    );
}

#[tokio::test]
async fn a_dropped_connection_is_a_connection_error_and_has_no_effect() {
    let fake = FakeTelegram::start().await;
    fake.message(GROUP, &alice(), "hi").push();
    fake.inject(Injection::next(1, Fault::DropConnection).on("sendMessage"));
    let err = client()
        .post(fake.method_url("sendMessage"))
        .json(&json!({"chat_id": GROUP, "text": "lost"}))
        .send()
        .await
        .unwrap_err();
    assert!(
        err.is_request() && !err.is_status() && !err.is_timeout(),
        "{err:?}"
    );
    assert_eq!(fake.stored_message(GROUP, 2), None);
    // The server is fine afterwards.
    let sent = ok(
        &fake,
        "sendMessage",
        json!({"chat_id": GROUP, "text": "ok"}),
    )
    .await;
    assert_eq!(sent["message_id"].as_i64(), Some(2));
    assert_eq!(fake.faults_fired()[0].fault, Fault::DropConnection);
}

#[tokio::test]
async fn a_lost_response_still_takes_effect() {
    let fake = FakeTelegram::start().await;
    let ids: Vec<i64> = (0..2)
        .map(|_| fake.message(GROUP, &alice(), "hi").push())
        .collect();
    fake.inject(Injection::next(1, Fault::DropAfterProcessing).on("getUpdates"));
    let err = client()
        .post(fake.method_url("getUpdates"))
        .json(&json!({"offset": ids[1]}))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_request(), "{err:?}");
    // The acknowledgement happened although the client never saw an answer.
    assert_eq!(fake.acknowledged_offset(), ids[1]);
    let calls = fake.calls_of("getUpdates");
    assert!(calls[0].ok && !calls[0].delivered());
}

#[tokio::test]
async fn a_malformed_body_does_not_parse() {
    let fake = FakeTelegram::start().await;
    fake.inject(Injection::next(1, Fault::MalformedBody));
    let resp = client()
        .post(fake.method_url("getMe"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await.unwrap();
    assert!(text.starts_with(r#"{"ok":true"#));
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn probabilistic_faults_follow_the_seed() {
    let run = async |seed| {
        let fake = FakeTelegram::start().await;
        fake.seed_faults(seed);
        fake.inject(Injection::with_probability(0.5, Fault::ServerError(500)).on("getMe"));
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(call(&fake, "getMe", json!({})).await.0);
        }
        assert_eq!(
            fake.faults_fired().len(),
            statuses.iter().filter(|s| **s == 500).count()
        );
        statuses
    };
    let a = run(42).await;
    assert_eq!(a, run(42).await);
    assert!(a.contains(&500) && a.contains(&200));
}

// ----- teloxide ------------------------------------------------------------

#[tokio::test]
async fn teloxide_works_against_the_fake() {
    use teloxide::prelude::*;
    use teloxide::types::{ChatId, ReplyParameters};
    use teloxide::{ApiError, RequestError};

    let fake = FakeTelegram::start().await;
    let bot = Bot::new(fake.token()).set_api_url(fake.api_url());

    let me = bot.get_me().await.unwrap();
    assert_eq!(me.username(), tests::fake_telegram::BOT_USERNAME);
    assert!(me.can_read_all_group_messages);

    let asked = fake
        .message(SUPERGROUP, &alice(), "/tasks@tasktracker_test_bot")
        .push();
    fake.callback_query(SUPERGROUP, &bob(), 1, "page:2").push();
    fake.my_chat_member(GROUP, &alice(), MemberStatus::Member)
        .push();
    fake.edited_message(SUPERGROUP, &alice(), 1, "/tasks")
        .push();
    let updates = bot.get_updates().offset(asked as i32).await.unwrap();
    assert_eq!(updates.len(), 4);
    let msg = match &updates[0].kind {
        teloxide::types::UpdateKind::Message(m) => m,
        other => panic!("not a message: {other:?}"),
    };
    assert_eq!(msg.text(), Some("/tasks@tasktracker_test_bot"));
    assert_eq!(
        msg.from.as_ref().unwrap().language_code.as_deref(),
        Some("uk")
    );
    assert!(matches!(
        updates[1].kind,
        teloxide::types::UpdateKind::CallbackQuery(_)
    ));
    assert!(matches!(
        updates[2].kind,
        teloxide::types::UpdateKind::MyChatMember(_)
    ));
    assert!(matches!(
        updates[3].kind,
        teloxide::types::UpdateKind::EditedMessage(_)
    ));

    let sent = bot
        .send_message(ChatId(SUPERGROUP), "Open tasks: none")
        .reply_parameters(ReplyParameters::new(msg.id))
        .await
        .unwrap();
    assert_eq!(sent.text(), Some("Open tasks: none"));
    assert_eq!(sent.reply_to_message().unwrap().id, msg.id);

    // Errors map to teloxide's own types.
    fake.inject(Injection::next(
        1,
        Fault::TooManyRequests { retry_after: 3 },
    ));
    match bot.send_message(ChatId(SUPERGROUP), "x").await {
        Err(RequestError::RetryAfter(after)) => assert_eq!(after.seconds(), 3),
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    match bot
        .delete_message(ChatId(SUPERGROUP), teloxide::types::MessageId(999))
        .await
    {
        Err(RequestError::Api(ApiError::MessageToDeleteNotFound)) => {}
        other => panic!("expected MessageToDeleteNotFound, got {other:?}"),
    }
}
