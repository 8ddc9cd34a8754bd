//! Classes of mistakes found by the blind batches read in the ninth session (Z, then AA and
//! AB), one test per class: each reads a short text written for the class, not the batch's.

use visanav_core::notice::NoticeKind;

use crate::notices::read;

#[test]
fn a_negation_particle_negates_the_verb_after_its_pronouns() {
    // "No nos envíe el I-134": the clitic between the particle and the verb does not hide
    // the negation; the same in Portuguese, French and Russian.
    for text in [
        "Su solicitud fue rechazada bajo la sección 221(g) y la petición I-129F será devuelta \
         al USCIS. Le rogamos que no nos envíe el formulario I-134 ni ningún otro documento.",
        "Seu visto foi recusado com base na seção 221(g). Por favor, não nos envie o \
         formulário I-134 atualizado.",
        "Votre demande de visa a été refusée au titre de la section 221(g). Merci de ne nous \
         envoyer ni le formulaire I-134 ni aucun autre document.",
        "Вам отказано в визе по разделу 221(g). Пожалуйста, не присылайте нам форму I-134.",
    ] {
        let r = read(text);
        assert!(!r.document_ids().contains(&"i134_support"), "{text}: {r:?}");
    }
    // Only pronouns stand between: "no olvide enviar" (do not forget to send) still asks.
    let r = read(
        "Su solicitud de visa fue rechazada bajo la sección 221(g). No olvide enviar el \
         formulario I-134 firmado por su prometido.",
    );
    assert_eq!(r.document_ids(), vec!["i134_support"], "{r:?}");
}

#[test]
fn a_translation_joined_to_its_subject_by_a_genitive_is_of_it() {
    // "戸籍謄本の全文の英訳" (the English translation of the koseki's full text): the koseki
    // is what is translated, not a second request.
    let r = read(
        "あなたのビザ申請は移民国籍法第221条(g)項に基づき拒否されました。以下の書類を提出して\
         ください。\n1. 戸籍謄本の全文の英訳。原本は面接時に受領済みです。\n",
    );
    assert_eq!(r.document_ids(), vec!["translation"], "{r:?}");
}

#[test]
fn the_verb_resume_is_no_cv_and_a_thai_result_received_is_no_request() {
    let r = read(
        "Your K-1 visa was refused under Section 221(g). Processing will resume once you \
         submit the items marked below.\n[X] Police certificate from Korea\n",
    );
    assert_eq!(r.document_ids(), vec!["police_certificate"], "{r:?}");
    let r = read(
        "Please send your resume (CV) listing every employer since 2010. Your visa was refused \
         under Section 221(g).",
    );
    assert_eq!(r.document_ids(), vec!["resume"], "{r:?}");
    // "ผลการตรวจสุขภาพ ... ได้รับจากโรงพยาบาลแล้ว" (the medical results have been received
    // from the hospital).
    let r = read(
        "คำร้องขอวีซ่าของท่านถูกปฏิเสธตามมาตรา 221(g) กรุณาส่งเอกสารต่อไปนี้\n\
         1. ใบสำคัญการหย่า (คร.6)\n\
         ผลการตรวจสุขภาพของท่านได้รับจากโรงพยาบาลแล้ว ไม่ต้องตรวจใหม่\n",
    );
    assert!(!r.document_ids().contains(&"medical_exam"), "{r:?}");
}

#[test]
fn a_chat_message_that_is_a_bullet_continues_the_list_the_message_before_opened() {
    // A Telegram export: the list's items come one message each, "Name: — item".
    let text = "[12.03.2025 10:14] Dilnoza: Bugun intervyudan chiqdim, 221(g) berishdi\n\
                [12.03.2025 10:15] Dilnoza: qog'ozda quyidagilar yozilgan:\n\
                [12.03.2025 10:15] Dilnoza: — police certificate from Uzbekistan\n\
                [12.03.2025 10:16] Dilnoza: — birth certificate with translation\n";
    let r = read(text);
    let ids = r.document_ids();
    assert!(ids.contains(&"police_certificate"), "{r:?}");
    assert!(ids.contains(&"birth_certificate"), "{r:?}");
}

#[test]
fn a_document_the_post_will_ask_for_later_is_no_request_now() {
    // "After administrative processing we will contact you and ask for your passport": the
    // passport is asked for later, if at all; nothing is asked of the applicant today.
    for text in [
        "Su caso está en procesamiento administrativo bajo la sección 221(g). Cuando termine, \
         nos comunicaremos con usted y le pediremos que presente su pasaporte.",
        "Ваше дело находится на административной проверке (раздел 221(g)). После завершения \
         проверки мы свяжемся с вами и попросим предоставить паспорт.",
        "您的案件正在根据221(g)条款进行行政审查。审查结束后，我们会与您联系，请您递交护照。",
        "Başvurunuz 221(g) kapsamında idari işlemdedir. İşlem tamamlandığında sizinle \
         iletişime geçeceğiz ve pasaportunuzu teslim etmenizi isteyeceğiz.",
        "Ihr Antrag befindet sich gemäß 221(g) in der administrativen Bearbeitung. Nach \
         Abschluss werden wir Sie kontaktieren und Sie bitten, Ihren Reisepass einzureichen.",
        "귀하의 사건은 221(g)에 따라 행정 처리 중입니다. 처리가 끝나면 연락드려 여권 제출을 \
         요청하겠습니다.",
        "คดีของท่านอยู่ระหว่างการดำเนินการทางปกครองตามมาตรา 221(g) เมื่อดำเนินการเสร็จแล้ว \
         เราจะติดต่อท่านเพื่อขอให้ส่งหนังสือเดินทาง",
    ] {
        let r = read(text);
        assert!(r.document_ids().is_empty(), "{text}: {r:?}");
        assert_eq!(
            r.kind,
            NoticeKind::AdministrativeProcessing,
            "{text}: {r:?}"
        );
    }
}

#[test]
fn boxes_an_applicant_says_were_left_blank_ask_for_nothing() {
    // An applicant's own account of the slip: the boxes next to these documents were empty.
    for text in [
        "221g 행정처리 받았어요. 여권, 기본증명서, 범죄경력회보서 칸은 전부 비어 있어요.",
        "Дали 221(g), административная проверка. Паспорт и справка о несудимости не отмечены.",
        "Bana 221(g) verdiler, idari işlem. Pasaport ve adli sicil kaydı kutucukları işaretlenmemiş.",
        "给了221(g)行政审查。护照和无犯罪记录证明那几项都没有打勾。",
        "Dostałam 221(g), procedura administracyjna. Paszport i zaświadczenie o niekaralności \
         nie były zaznaczone.",
        "Nilipewa 221(g). Pasipoti na cheti cha polisi hazijawekewa alama.",
    ] {
        let r = read(text);
        assert!(r.document_ids().is_empty(), "{text}: {r:?}");
    }
}

#[test]
fn a_form_glued_to_another_scripts_prefix_or_particle_is_still_named() {
    // Amharic "የDS-160" (of the DS-160), Korean "I-134를" (I-134 + object particle).
    let r = read(
        "የቪዛ ማመልከቻዎ በINA አንቀጽ 221(g) መሠረት ውድቅ ተደርጓል። ከዚህ በታች ያሉትን ያቅርቡ፡\n\
         [✔] አዲስ የDS-160 ማረጋገጫ ገጽ\n",
    );
    assert_eq!(r.document_ids(), vec!["ds160_confirmation"], "{r:?}");
    let r = read("221(g) 거절을 받았습니다. 약혼자의 새 I-134를 제출해 주십시오.");
    assert_eq!(r.document_ids(), vec!["i134_support"], "{r:?}");
}

#[test]
fn a_number_and_a_hyphen_open_a_list_item() {
    // Forum posts number their lists "1- ...": each item is its own line, so what one item
    // says (the passport kept) does not reach the next; a range ("1-2 weeks") stays words.
    let r = read(
        "Got 221g at the interview. Officer said:\n\
         1- the passport is fine, they will keep it after the second interview\n\
         2- police certificate from Qatar\n\
         3- new medical\n\
         It takes 1-2 weeks after I submit.",
    );
    assert_eq!(
        r.document_ids(),
        vec!["police_certificate", "medical_exam"],
        "{r:?}"
    );
}

#[test]
fn documents_named_as_applicants_say_them_are_read() {
    // Egyptian Arabic "a letter from work", Bengali "the court's judgment", Hindi "refusal sheet".
    let r = read("221g ادوني ورقة وطالبين جواب من الشغل بالمرتب");
    assert_eq!(r.document_ids(), vec!["employment_letter"], "{r:?}");
    let r = read("221(g) দিয়েছে। মামলার চূড়ান্ত রায়ের কপি জমা দিতে বলেছে।");
    assert_eq!(r.document_ids(), vec!["court_records"], "{r:?}");
}

#[test]
fn a_quoted_message_from_the_post_is_read_under_the_applicants_own_words() {
    // An applicant forwards the consulate's e-mail with a line of her own: the quoted message
    // is the notice. An applicant's own quoted question is still left out.
    let r = read(
        "De: Juliana Costa <ju@example.com>\n\
         Assunto: Fwd: Caso RDJ2024390051\n\n\
         Amor, olha o que o consulado mandou depois da entrevista de hoje. A maior parte é \
         coisa sua, não minha. Consegue mandar tudo até o fim do mês?\n\n\
         > De: Consulado Geral dos EUA no Rio de Janeiro <RioIV@state.gov>\n\
         > Assunto: Caso RDJ2024390051\n\
         >\n\
         > Sua solicitação de visto K-1 foi recusada nos termos da Seção 221(g). Para \
         determinar se a Seção 212(a)(4) se aplica ao seu caso, o peticionário deve apresentar:\n\
         >\n\
         > - um novo Formulário I-134 assinado por ele;\n\
         > - uma carta do empregador do peticionário.\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["i134_support", "employment_letter"],
        "{r:?}"
    );
    let r = read(
        "From: U.S. Embassy Manila <ManilaIV@state.gov>\n\n\
         Dear applicant, thank you for your message. Please submit your NBI clearance through \
         the courier. No other document is needed at this time for your case.\n\n\
         On 3 May 2025, Ana Cruz <ana@example.com> wrote:\n\
         > Do I need to send my birth certificate and my passport again?\n",
    );
    assert_eq!(r.document_ids(), vec!["police_certificate"], "{r:?}");
}

#[test]
fn a_condition_phrase_does_not_match_across_a_comma() {
    // "ao seu caso, o peticionário deve": "caso" ends one clause and "o" opens the next; they
    // are not the condition "caso o" (in case the ...).
    let r = read(
        "Sua solicitação foi recusada nos termos da Seção 221(g). Para determinar se a Seção \
         212(a)(4) se aplica ao seu caso, o peticionário deve apresentar um novo Formulário I-134.",
    );
    assert_eq!(r.document_ids(), vec!["i134_support"], "{r:?}");
}

#[test]
fn a_request_word_inside_a_returned_received_or_negated_phrase_asks_nothing() {
    // Thai runs words together: "ส่งคืน" (returned) holds "ส่ง" (send), "ไม่จำเป็นต้อง" (need
    // not) overlaps "จำเป็นต้อง" (must), "ที่ท่านยื่นไว้" is "that you submitted".
    let r = read(
        "คำร้องขอวีซ่าของท่านถูกปฏิเสธตามมาตรา 221(g) หนังสือเดินทางของท่านได้ส่งคืนให้ท่านแล้ว\
         ในวันสัมภาษณ์ ผลการตรวจร่างกายของท่านยังไม่หมดอายุ ท่านจึงไม่จำเป็นต้องตรวจร่างกายใหม่ \
         ใบรับรองความประพฤติจากสำนักงานตำรวจแห่งชาติที่ท่านยื่นไว้ สถานเอกอัครราชทูตฯ \
         ได้รับเรียบร้อยแล้ว",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
}

#[test]
fn a_court_opinions_account_of_what_was_submitted_asks_nothing() {
    // "At the Embassy's request, Ms. Saleh submitted a completed Form DS-5535": history.
    let r = read(
        "Ms. Saleh appeared for her K-1 interview at the U.S. Embassy in Abu Dhabi on March 3, \
         2023. That day, the consular officer refused her application under INA § 221(g). At \
         the Embassy's request, Ms. Saleh submitted a completed Form DS-5535 in April 2023. The \
         application remained in administrative processing.",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
    assert_eq!(r.kind, NoticeKind::AdministrativeProcessing, "{r:?}");
}

#[test]
fn a_quoted_letter_after_read_colon_is_a_paragraph_not_a_list() {
    // A court opinion quotes the letter in an indented block after "... which read:".
    let r = read(
        "Castillo was interviewed at the U.S. Embassy in Santo Domingo on March 6, 2024. At the \
         close of the interview the consular officer handed her a letter which read:\n\n\
         \x20   \"Your visa application has been refused under Section 221(g) of the\n\
         \x20   Immigration and Nationality Act. The approved petition must be returned to\n\
         \x20   USCIS for reconsideration. Please do not submit additional\n\
         \x20   documents to this office.\"\n",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
    assert_eq!(r.kind, NoticeKind::PetitionReturned, "{r:?}");
}

#[test]
fn our_records_show_is_the_post_speaking_not_a_request_to_show() {
    let r = read(
        "Our records show that your K-1 application was refused under Section 221(g). The \
         approved petition should be returned to USCIS for review.",
    );
    assert_eq!(r.kind, NoticeKind::PetitionReturned, "{r:?}");
}

#[test]
fn a_document_named_as_when_or_where_is_no_request() {
    // "(the photo uploaded to the DS-160 was refused)", "since the petition was approved".
    let r = read(
        "Sua solicitação foi recusada nos termos da Seção 221(g). Envie:\n\
         1. Uma foto colorida recente, 5 x 5 cm (a foto carregada no DS-160 foi recusada);\n\
         2. Provas adicionais do relacionamento desde a aprovação da petição.\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["photos", "relationship_evidence"],
        "{r:?}"
    );
    let r = read(
        "Your application was refused under Section 221(g). Please send a new photo (the one \
         uploaded to the DS-160 was rejected) and evidence of your relationship since the \
         approval of the I-129F petition.",
    );
    assert_eq!(
        r.document_ids(),
        vec!["photos", "relationship_evidence"],
        "{r:?}"
    );
}

#[test]
fn a_document_asked_for_later_or_not_for_now_is_no_request_now() {
    // French "vous sera demandé plus tard" (will be asked of you later), Ukrainian "поки ні".
    let r = read(
        "Votre demande de visa K-1 est refusee sous la section 221(g) pour traitement \
         administratif. Votre passeport vous sera demande plus tard.",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
    let r = read(
        "Олена: Дали 221(g). Треба довідку про несудимість з Польщі.\n\
         Олена: я ще спитала, чи Марку треба новий I-134, вона сказала що поки ні\n",
    );
    assert_eq!(r.document_ids(), vec!["police_certificate"], "{r:?}");
}

#[test]
fn a_french_letter_asking_to_see_the_applicant_again_is_a_return_interview() {
    let r = read(
        "Ambassade des États-Unis à Beyrouth\n\n\
         Votre demande de visa K-1 a été refusée en vertu de la section 221(g). L'agent \
         consulaire souhaite vous revoir en personne. Veuillez prendre un nouveau rendez-vous, \
         muni de votre passeport.",
    );
    assert_eq!(r.kind, NoticeKind::InterviewReturn, "{r:?}");
    assert_eq!(r.post.as_deref(), Some("BRT"), "{r:?}");
}

#[test]
fn passport_pages_with_cuban_stamps_are_proof_of_the_visits() {
    // Cuban Spanish "cuños" are the stamps; the petitioner's passport only holds them.
    let r = read(
        "Sección 221(g).\n☒ Copia de las páginas del pasaporte del peticionario con los cuños de \
         entrada y salida de Cuba de sus visitas.\n",
    );
    assert_eq!(r.document_ids(), vec!["meeting_evidence"], "{r:?}");
}

#[test]
fn a_handwritten_note_after_a_lines_tick_keeps_the_tick() {
    let r = read(
        "Permohonan visa Anda ditolak berdasarkan Pasal 221(g). Harap serahkan dokumen yang \
         diberi tanda centang (✓):\n\n\
         SKCK dari Mabes Polri .................................... ✓\n\
         Akta kelahiran ...........................................\n\
         Terjemahan resmi bahasa Inggris .......................... ✓  (tulisan tangan: \"utk akta cerai\")\n\
         Pas foto 5 x 5 cm latar putih ............................\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["police_certificate", "translation"],
        "{r:?}"
    );
}

#[test]
fn a_japanese_section_with_its_article_word_is_read() {
    // "移民国籍法第221条(g)項": "条" (article) stands between the number and its letter.
    let r = read(
        "本日の面接の結果、移民国籍法第221条(g)項に基づき、現時点ではビザを発給することができません。",
    );
    assert_eq!(r.sections, vec!["221(g)"], "{r:?}");
}

#[test]
fn an_arabic_message_opening_with_joined_and_adds_to_the_request_before() {
    // "وتذاكر الطيران" (and the plane tickets): "and" is a letter joined to the word.
    let r = read(
        "[21/05/2023, 11:44] نوف: القنصل يقول لازم أرجع مقابلة ثانية 221(g)\n\
         [21/05/2023, 11:45] نوف: وأجيب معاي صور لي ولمايكل مع بعض من أول ما تعرفنا لين الحين، مو بس صور الخطوبة\n\
         [21/05/2023, 11:46] نوف: وتذاكر الطيران والبوردنق باس لما جا الكويت عشان يثبت إنا تقابلنا\n\
         [21/05/2023, 11:47] نوف: وقالولي إن وثيقة الطلاق مش محتاجينها تاني\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["relationship_evidence", "meeting_evidence"],
        "{r:?}"
    );
}

#[test]
fn a_post_answering_in_a_numbered_list_says_what_it_received_and_what_it_asks() {
    let r = read(
        "Estimada señora Pinzón:\n\nGracias por su mensaje. Respondemos a sus preguntas en \
         orden:\n\n\
         1. No. Usted no necesita un nuevo examen médico; el examen que presentó sigue vigente.\n\
         2. Su registro civil de nacimiento original fue recibido el día de la entrevista y \
         permanece en su expediente. No lo envíe de nuevo. Lo que falta es la traducción oficial \
         al inglés de ese registro.\n\n\
         Además, el oficial consular solicita una carta original, firmada y fechada por su \
         prometido, en la que confirme que ambos tienen la intención de casarse dentro de los 90 \
         días siguientes a su llegada a los Estados Unidos. Sección 221(g).\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["translation", "intent_to_marry"],
        "{r:?}"
    );
}

#[test]
fn a_refusal_today_in_a_quoted_message_is_dated_by_that_messages_header() {
    let r = read(
        "From: Accra IV <AccraIV@state.gov>\n\
         Sent: Thursday, March 20, 2025 2:05 PM\n\
         Subject: RE: Case ACC2024811062\n\n\
         Dear Mr. Mensah, please submit the 2023 IRS tax transcript only.\n\n\
         -----Original Message-----\n\
         From: Accra IV\n\
         Sent: Friday, March 14, 2025 11:20 AM\n\
         Subject: Case ACC2024811062\n\n\
         Following your interview today, your K-1 visa application was refused under section \
         221(g) of the Immigration and Nationality Act.\n",
    );
    let refusal = r.refusal_date().map(|d| d.date.as_str());
    assert_eq!(refusal, Some("2025-03-14"), "{r:?}");
    // A letter dated in numbers that read both ways: "today" is read as the letter is.
    let r = read(
        "Ho Chi Minh City, 10/09/2024\n\nYour K-1 visa application was refused today under \
         Section 221(g). Please submit your police certificate.",
    );
    let letter = r.dates.iter().find(|d| d.text.starts_with("Ho Chi Minh"));
    let refusal = r.refusal_date().map(|d| d.date.as_str());
    assert_eq!(refusal, letter.map(|d| d.date.as_str()), "{r:?}");
    assert!(refusal.is_some(), "{r:?}");
}

#[test]
fn what_an_applicant_already_gave_or_the_post_holds_is_no_request() {
    // A court opinion's history, a Burmese "already submitted" (တင်ပြီးသား), a Bengali
    // passport "deposited with them" (জমা আছে).
    let r = read(
        "The consular officer refused the application under INA § 221(g) and placed it in \
         administrative processing. Plaintiffs allege that, in the following months, they \
         nevertheless submitted additional photographs, bank statements and an employment \
         letter.",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
    let r = read(
        "ရန်ကုန် အမေရိကန်သံရုံးမှာ 221(g) ရပါတယ်။ ရဲစခန်းထောက်ခံစာနဲ့ ဆေးစစ်ချက် အစီရင်ခံစာကို \
         အင်တာဗျူးနေ့ကပဲ တင်ပြီးသားပါ။",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
    let r = read(
        "221(g) প্রশাসনিক প্রক্রিয়া। আপনার পাসপোর্ট ইন্টারভিউয়ের দিন থেকেই ওদের কাছে জমা আছে, \
         ওটা নিয়ে চিন্তা করবেন না।",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
}

#[test]
fn chat_questions_without_a_question_mark_and_patois_requests() {
    // "q te pidieron" (what did they ask you for): the next message answers.
    let r = read(
        "[12/5/25 14:02] Yesenia: amor ya sali del consulado 😔 no me la dieron todavia\n\
         [12/5/25 14:02] Yesenia: me dieron la hoja 221g\n\
         [12/5/25 14:03] Beto: q??? q te pidieron\n\
         [12/5/25 14:05] Yesenia: la constancia de no antecedentes penales de la fiscalia de Chihuahua\n\
         [12/5/25 14:07] Yesenia: no, dijo q tu I134 y tus taxes estan bien, eso no hay q mandarlo otra vez\n",
    );
    assert_eq!(r.document_ids(), vec!["police_certificate"], "{r:?}");
    // Jamaican Patois: "haffi" (have to), "an" (and) opening a message.
    let r = read(
        "[Tue 14:05] Shanice: Dem nuh gi mi di visa yet, a 221g dem gi mi\n\
         [Tue 14:07] Shanice: Mi haffi get a new police record from Duke Street\n\
         [Tue 14:07] Shanice: an di decree absolute fi mi divorce\n\
         [Tue 14:09] Shanice: yuh haffi sen a new I-134 wid yuh pay slip dem\n",
    );
    let ids = r.document_ids();
    for id in [
        "police_certificate",
        "prior_marriage_termination",
        "i134_support",
    ] {
        assert!(ids.contains(&id), "{id}: {r:?}");
    }
}

#[test]
fn a_form_name_typed_without_its_hyphen_is_read() {
    // "I134": the "I" is the form's letter, not an OCR'd "1"; "I998" is still a year.
    let r = read("221(g). Please submit a new I134 signed by your fiancé.");
    assert_eq!(r.document_ids(), vec!["i134_support"], "{r:?}");
}

#[test]
fn in_that_case_carries_the_condition_before_it() {
    let r = read(
        "Your K-1 application was refused under Section 221(g). Please send a new Form I-134. \
         Bank statements are needed only if Mr. Hale's income was below the guidelines. In \
         that case, also send his bank statements for the last 12 months.",
    );
    assert_eq!(r.document_ids(), vec!["i134_support"], "{r:?}");
}
