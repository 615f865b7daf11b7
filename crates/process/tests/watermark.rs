//! `watermark` parsing: every parameter's default, range and error, base64 forms, preprocessing.

use cyanotype_process::*;

fn wm(text: &str) -> Watermark {
    match parse(text) {
        Ok(Process::Image(ops)) => match ops.last() {
            Some(Op::Watermark(w)) => (**w).clone(),
            other => panic!("{text}: {other:?}"),
        },
        other => panic!("{text}: {other:?}"),
    }
}

fn err(text: &str) -> Error {
    parse(text).expect_err(text)
}

#[test]
fn sdk_case_text_defaults() {
    // oss2's test_image.py case: "Hello 图片服务!".
    let w = wm("image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ");
    let t = w.text.as_ref().unwrap();
    assert_eq!(t.text, "Hello 图片服务!");
    assert_eq!(t.font, Font::WqyZenhei);
    assert_eq!(
        (t.color, t.size, t.shadow, t.rotate),
        (Rgb::BLACK, 40, 0, 0)
    );
    assert_eq!(
        (w.opacity, w.gravity, w.x, w.y, w.voffset),
        (100, Gravity::Se, 10, 10, 0)
    );
    assert_eq!((w.fill, w.padx, w.pady), (false, 0, 0));
    assert!(w.image.is_none());
}

#[test]
fn ali_oss_case_standard_alphabet_lowercase_colour_trailing_comma() {
    let w = wm("image/watermark,text_aGVsbG8g5Zu+54mH5pyN5Yqh77yB,color_ff6a00,");
    let t = w.text.unwrap();
    assert_eq!(t.text, "hello 图片服务！");
    assert_eq!(t.color, Rgb(0xff, 0x6a, 0x00));
}

#[test]
fn every_parameter() {
    let w = wm("image/watermark,text_5rC05Y2w,type_d3F5LW1pY3JvaGVp,color_FFFFFF,size_80,shadow_50,rotate_45,t_60,g_west,x_5,y_6,voffset_-20,fill_1,padx_30,pady_40");
    let t = w.text.as_ref().unwrap();
    assert_eq!(t.text, "水印");
    assert_eq!(t.font, Font::WqyMicrohei);
    assert_eq!(
        (t.color, t.size, t.shadow, t.rotate),
        (Rgb::WHITE, 80, 50, 45)
    );
    assert_eq!(
        (w.opacity, w.gravity, w.x, w.y, w.voffset),
        (60, Gravity::West, 5, 6, -20)
    );
    assert_eq!((w.fill, w.padx, w.pady), (true, 30, 40));
}

#[test]
fn every_font_name_and_padding_forms() {
    for (b64, font) in [
        ("d3F5LXplbmhlaQ==", Font::WqyZenhei),
        ("d3F5LW1pY3JvaGVp", Font::WqyMicrohei),
        ("ZmFuZ3poZW5nc2h1c29uZw", Font::FangzhengShusong),
        ("ZmFuZ3poZW5na2FpdGk=", Font::FangzhengKaiti),
        ("ZmFuZ3poZW5naGVpdGk", Font::FangzhengHeiti),
        ("ZmFuZ3poZW5nZmFuZ3Nvbmc=", Font::FangzhengFangsong),
        ("ZHJvaWRzYW5zZmFsbGJhY2s", Font::DroidSansFallback),
        ("ZmFuZ3poZW5naGVp", Font::FangzhengHeiti),
    ] {
        let w = wm(&format!("image/watermark,text_YQ,type_{b64}"));
        assert_eq!(w.text.unwrap().font, font, "{b64}");
    }
    let e = err("image/watermark,text_YQ,type_YXJpYWw"); // "arial"
    assert_eq!(e.code, Code::InvalidArgument);
    assert!(
        e.message.contains("type") && e.message.contains("arial"),
        "{}",
        e.message
    );
}

#[test]
fn colour_in_the_old_base64_form() {
    // The guide: color is base64 of "#RRGGBB" (IzAwMDAwMA = "#000000").
    let w = wm("image/watermark,text_YQ,color_I0ZGMDAwMA");
    assert_eq!(w.text.unwrap().color, Rgb(255, 0, 0));
    let e = err("image/watermark,text_YQ,color_red");
    assert_eq!(e.code, Code::InvalidArgument);
    assert!(e.message.contains("color") && e.message.contains("red"));
}

#[test]
fn image_with_preprocessing_and_main_percent() {
    // The guide's example: panda.png?x-oss-process=image/resize,P_30
    let w = wm("image/watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA,t_90,g_se,x_10,y_10");
    let img = w.image.unwrap();
    assert_eq!(img.key, "panda.png");
    match &img.ops[..] {
        [Op::Resize(r)] => assert_eq!(r.target, Target::MainPercent(30)),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.opacity, 90);
    // The same with padding and the standard alphabet.
    let w2 =
        wm("image/watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA=,t_90");
    assert_eq!(w2.image.unwrap().key, "panda.png");
    // P is only known inside a watermark.
    let main = parse("image/resize,P_30").expect_err("P outside a watermark");
    assert_eq!(main.code, Code::MissingArgument);
}

#[test]
fn preprocessing_refuses_watermark_and_info() {
    // panda.png?x-oss-process=image/watermark,image_cGFuZGEucG (the OSS 0040-00000373 page example)
    let e = err("image/watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2Uvd2F0ZXJtYXJrLGltYWdlX2NHRnVaR0V1Y0c");
    assert_eq!(
        (e.code, e.ec),
        (Code::InvalidArgument, Some(ec::WATERMARK_NESTED))
    );
    // panda.png?x-oss-process=image/info
    let e = err(&format!(
        "image/watermark,image_{}",
        b64::encode("panda.png?x-oss-process=image/info")
    ));
    assert_eq!(e.ec, Some(ec::WATERMARK_PRE_INFO));
    let e = err(&format!(
        "image/watermark,image_{}",
        b64::encode("panda.png?x-oss-process=style/x")
    ));
    assert_eq!(e.code, Code::InvalidArgument);
}

#[test]
fn not_base64() {
    let e = err("image/watermark,image_!!!");
    assert_eq!(
        (e.code, e.message.as_str()),
        (Code::BadRequest, "Input is not base64 decoding.")
    );
    assert_eq!(e.ec, Some(ec::WATERMARK_NOT_BASE64));
    let e = err("image/watermark,text_a$b");
    assert_eq!(
        (e.code, e.message.as_str()),
        (Code::BadRequest, "Input is not base64 decoding.")
    );
}

#[test]
fn text_and_image_together() {
    let both = format!("image/watermark,image_{},text_YQ", b64::encode("logo.png"));
    let w = wm(&both);
    // Default align is bottom (EN-2021), order image first, interval 0.
    assert_eq!(
        (w.order, w.align, w.interval),
        (Order::ImageFirst, Align::Bottom, 0)
    );
    let w = wm(&format!("{both},order_1,align_1,interval_12"));
    assert_eq!(
        (w.order, w.align, w.interval),
        (Order::TextFirst, Align::Middle, 12)
    );
    assert_eq!(err(&format!("{both},align_3")).code, Code::InvalidArgument);
    assert_eq!(
        err(&format!("{both},interval_1001")).code,
        Code::InvalidArgument
    );
}

#[test]
fn errors_name_the_parameter() {
    let e = err("image/watermark,t_50");
    assert_eq!(
        (e.code, e.ec),
        (Code::MissingArgument, Some(ec::WATERMARK_NOTHING))
    );
    assert!(e.message.contains("text or image") && e.message.contains("watermark"));

    let e = err("image/watermark,text");
    assert_eq!(e.ec, Some(ec::WATERMARK_TEXT_EMPTY));
    // 65 characters.
    let long = b64::encode(&"字".repeat(65));
    let e = err(&format!("image/watermark,text_{long}"));
    assert_eq!(
        (e.code, e.ec),
        (Code::InvalidArgument, Some(ec::WATERMARK_TEXT_TOO_LONG))
    );
    assert!(e.message.contains("65 characters"));
    // 64 is fine.
    wm(&format!(
        "image/watermark,text_{}",
        b64::encode(&"字".repeat(64))
    ));

    for (bad, param) in [
        ("t_101", "t"),
        ("g_middle", "g"),
        ("x_4097", "x"),
        ("y_-1", "y"),
        ("voffset_1001", "voffset"),
        ("voffset_-1001", "voffset"),
        ("fill_2", "fill"),
        ("size_0", "size"),
        ("size_1001", "size"),
        ("shadow_101", "shadow"),
        ("rotate_361", "rotate"),
    ] {
        let e = err(&format!("image/watermark,text_YQ,{bad}"));
        assert_eq!(e.code, Code::InvalidArgument, "{bad}");
        let value = bad.split_once('_').unwrap().1;
        assert!(
            e.message.contains(&format!("parameter: {param} ")) && e.message.contains(value),
            "{bad}: {}",
            e.message
        );
        assert!(e.message.contains("watermark"), "{bad}");
    }
    assert_eq!(
        err("image/watermark,text_YQ,rotate_361").ec,
        Some(ec::WATERMARK_BAD_ROTATE)
    );
    assert_eq!(
        err("image/watermark,text_YQ,padx_5000").ec,
        Some(ec::WATERMARK_BAD_PADDING)
    );
}

#[test]
fn canonical_text_round_trips() {
    for text in [
        "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ",
        "image/watermark,text_YQ,rotate_360,color_I0ZGMDAwMA==,g_center,voffset_-5",
        "image/resize,w_100/watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA,t_90/watermark,text_YQ,fill_1,padx_3",
        "image/watermark,image_bG9nby5wbmc,text_YQ,order_1,align_0,interval_5",
    ] {
        let p = parse(text).unwrap();
        let canonical = p.to_string();
        assert_eq!(parse(&canonical).unwrap(), p, "{text} -> {canonical}");
    }
    // A single part keeps no pair layout.
    assert_eq!(
        parse("image/watermark,text_YQ,order_1").unwrap(),
        parse("image/watermark,text_YQ").unwrap()
    );
}
