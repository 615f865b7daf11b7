//! Parser cases for every action: valid, edge and invalid, with the exact Code and Message.

use cyanotype_process::*;

fn ops(text: &str) -> Vec<Op> {
    match parse(text) {
        Ok(Process::Image(ops)) => ops,
        other => panic!("{text}: expected image ops, got {other:?}"),
    }
}

fn one(text: &str) -> Op {
    let v = ops(text);
    assert_eq!(v.len(), 1, "{text}");
    v.into_iter().next().unwrap()
}

fn err(text: &str) -> Error {
    parse(text).expect_err(text)
}

/// Assert the code and the full message of an error.
fn assert_err(text: &str, code: Code, message: &str) {
    let e = err(text);
    assert_eq!(e.code, code, "{text}: {e}");
    assert_eq!(e.message, message, "{text}");
}

fn invalid_msg(action: &str, param: &str, value: &str, why: &str) -> String {
    format!("The value: {value} of parameter: {param} is invalid.reason:{action} {why}")
}

#[test]
fn chain_keeps_order_and_canonical_text() {
    let p = parse("image/resize,w_200/rotate,90").unwrap();
    assert_eq!(p.to_string(), "image/resize,m_lfit,w_200,limit_1/rotate,90");
    assert_eq!(parse("image").unwrap(), Process::Image(vec![]));
    assert_eq!(
        parse("style/thumb").unwrap(),
        Process::Style("thumb".into())
    );
    assert_eq!(err("style/").code, Code::MissingArgument);
    assert_err(
        "video/snapshot,t_1000",
        Code::InvalidArgument,
        &invalid_msg(
            "process",
            "x-oss-process",
            "video/snapshot,t_1000",
            "must start with image/ or style/",
        ),
    );
}

#[test]
fn unknown_action_is_named() {
    assert_err(
        "image/resize,w_10/flip,1",
        Code::InvalidArgument,
        &invalid_msg("flip", "action", "flip", "is not a known image action"),
    );
}

#[test]
fn resize_valid() {
    let r = |t| match one(t) {
        Op::Resize(r) => r,
        o => panic!("{o:?}"),
    };
    let x = r("image/resize,w_150,h_80");
    assert_eq!(x.mode, Mode::Lfit);
    assert_eq!(
        x.target,
        Target::Sides {
            w: Some(150),
            h: Some(80)
        }
    );
    assert!(x.limit);
    assert_eq!(r("image/resize,m_fixed,w_100,h_100").mode, Mode::Fixed);
    assert_eq!(
        r("image/resize,m_pad,w_10,color_ff0000").color,
        Rgb(255, 0, 0)
    );
    // color only matters for pad
    assert_eq!(r("image/resize,w_10,color_ff0000").color, Rgb::WHITE);
    // w/h win over l/s, which win over p
    assert_eq!(
        r("image/resize,w_10,l_20,p_50").target,
        Target::Sides {
            w: Some(10),
            h: None
        }
    );
    assert_eq!(
        r("image/resize,l_20,p_50").target,
        Target::LongShort {
            l: Some(20),
            s: None
        }
    );
    assert_eq!(r("image/resize,p_50").target, Target::Percent(50));
    assert!(!r("image/resize,w_10,limit_0").limit);
    // unknown keys and a trailing empty parameter are accepted
    assert_eq!(
        r("image/resize,w_10,zz_9,").target,
        Target::Sides {
            w: Some(10),
            h: None
        }
    );
    // edges of the ranges
    assert_eq!(
        r("image/resize,w_16384").target,
        Target::Sides {
            w: Some(16384),
            h: None
        }
    );
    assert_eq!(r("image/resize,p_1000").target, Target::Percent(1000));
    // last occurrence wins
    assert_eq!(
        r("image/resize,w_1,w_2").target,
        Target::Sides {
            w: Some(2),
            h: None
        }
    );
}

#[test]
fn resize_invalid() {
    assert_err(
        "image/resize,w_0",
        Code::InvalidArgument,
        &invalid_msg("resize", "w", "0", "w must be an integer in [1,16384]"),
    );
    assert_err(
        "image/resize,w_16385",
        Code::InvalidArgument,
        &invalid_msg("resize", "w", "16385", "w must be an integer in [1,16384]"),
    );
    assert_err(
        "image/resize,h_abc",
        Code::InvalidArgument,
        &invalid_msg("resize", "h", "abc", "h must be an integer in [1,16384]"),
    );
    assert_err(
        "image/resize,w_-5",
        Code::InvalidArgument,
        &invalid_msg("resize", "w", "-5", "w must be an integer in [1,16384]"),
    );
    assert_err(
        "image/resize,w",
        Code::InvalidArgument,
        &invalid_msg("resize", "w", "", "w must be an integer in [1,16384]"),
    );
    assert_err(
        "image/resize,p_1001",
        Code::InvalidArgument,
        &invalid_msg("resize", "p", "1001", "p must be an integer in [1,1000]"),
    );
    assert_err(
        "image/resize,w_10,limit_2",
        Code::InvalidArgument,
        &invalid_msg("resize", "limit", "2", "limit must be an integer in [0,1]"),
    );
    assert_err(
        "image/resize,w_10,color_fff",
        Code::InvalidArgument,
        &invalid_msg(
            "resize",
            "color",
            "fff",
            "color must be a colour written RRGGBB in hex",
        ),
    );
    let e = err("image/resize,w_100,m_abc");
    assert_eq!(
        e.message,
        invalid_msg(
            "resize",
            "m",
            "abc",
            "m must be one of lfit, mfit, fill, pad, fixed"
        )
    );
    assert_eq!(e.ec, Some("0040-00000311"));
    assert_err(
        "image/resize,m_fill",
        Code::MissingArgument,
        "Missing argument: the parameter w, h, l, s or p of action resize is required.",
    );
}

#[test]
fn crop_cases() {
    assert_eq!(
        one("image/crop,w_100,h_100,x_100,y_100,r_1"),
        Op::Crop(Crop {
            x: 100,
            y: 100,
            w: Some(100),
            h: Some(100),
            g: Gravity::Nw
        })
    );
    assert_eq!(
        one("image/crop,x_10,y_10,w_200,h_200,g_se"),
        Op::Crop(Crop {
            x: 10,
            y: 10,
            w: Some(200),
            h: Some(200),
            g: Gravity::Se
        })
    );
    // w_0 means "to the edge", the same as absent
    assert_eq!(one("image/crop,w_0,g_center"), one("image/crop,g_center"));
    let e = err("image/crop,w_abc");
    assert_eq!(
        e.message,
        invalid_msg("crop", "w", "abc", "w must be an integer in [0,30000]")
    );
    assert_eq!(e.ec, Some("0040-00000225"));
    assert_eq!(err("image/crop,w_-1").ec, Some("0040-00000225"));
    assert_err(
        "image/crop,g_middle",
        Code::InvalidArgument,
        &invalid_msg(
            "crop",
            "g",
            "middle",
            "g must be one of nw, north, ne, west, center, east, sw, south, se",
        ),
    );
}

#[test]
fn circle_rounded_indexcrop() {
    assert_eq!(one("image/circle,r_100"), Op::Circle(Circle { r: 100 }));
    assert_err(
        "image/circle",
        Code::MissingArgument,
        "Missing argument: the parameter r of action circle is required.",
    );
    assert_err(
        "image/circle,r_4097",
        Code::InvalidArgument,
        &invalid_msg("circle", "r", "4097", "r must be an integer in [1,4096]"),
    );
    assert_eq!(
        one("image/rounded-corners,r_10"),
        Op::RoundedCorners(RoundedCorners { r: 10 })
    );
    assert_err(
        "image/rounded-corners,r_0",
        Code::InvalidArgument,
        &invalid_msg(
            "rounded-corners",
            "r",
            "0",
            "r must be an integer in [1,4096]",
        ),
    );
    assert_eq!(
        one("image/indexcrop,x_100,i_2"),
        Op::IndexCrop(IndexCrop {
            axis: Axis::X,
            size: 100,
            index: 2
        })
    );
    // y wins when both are given; i defaults to 0
    assert_eq!(
        one("image/indexcrop,x_100,y_50"),
        Op::IndexCrop(IndexCrop {
            axis: Axis::Y,
            size: 50,
            index: 0
        })
    );
    assert_err(
        "image/indexcrop,i_1",
        Code::MissingArgument,
        "Missing argument: the parameter x or y of action indexcrop is required.",
    );
    assert_err(
        "image/indexcrop,x_0",
        Code::InvalidArgument,
        &invalid_msg("indexcrop", "x", "0", "x must be an integer in [1,30000]"),
    );
}

#[test]
fn single_value_actions() {
    assert_eq!(one("image/rotate,90"), Op::Rotate(90));
    assert_eq!(one("image/rotate,360"), Op::Rotate(360));
    assert_eq!(
        one("image/rotate,90,"),
        Op::Rotate(90),
        "trailing empty parameter accepted"
    );
    assert_eq!(one("image/bright,50"), Op::Bright(50));
    assert_eq!(one("image/contrast,-50"), Op::Contrast(-50));
    assert_eq!(one("image/sharpen,100"), Op::Sharpen(100));
    assert_eq!(one("image/auto-orient,1"), Op::AutoOrient(true));
    assert_eq!(one("image/auto-orient,0"), Op::AutoOrient(false));
    assert_eq!(one("image/interlace,1"), Op::Interlace(true));
    assert_eq!(one("image/format,png"), Op::Format(Format::Png));
    assert_eq!(one("image/format,jpeg"), Op::Format(Format::Jpg));
    assert_eq!(one("image/format,avif"), Op::Format(Format::Avif));

    let e = err("image/rotate,90,200,300");
    assert_eq!(e.code, Code::InvalidArgument);
    assert_eq!(
        e.message,
        invalid_msg("rotate", "value", "200", "takes exactly one value")
    );
    assert_eq!(e.ec, Some("0040-00000203"));
    let e = err("image/rotate");
    assert_eq!(e.code, Code::MissingArgument);
    assert_eq!(e.ec, Some("0040-00000216"));
    let e = err("image/rotate,400");
    assert_eq!(
        e.message,
        invalid_msg(
            "rotate",
            "value",
            "400",
            "value must be an integer in [0,360]"
        )
    );
    assert_eq!(e.ec, Some("0040-00000217"));
    assert_eq!(err("image/rotate,abc").ec, Some("0040-00000217"));
    assert_err(
        "image/bright,101",
        Code::InvalidArgument,
        &invalid_msg(
            "bright",
            "value",
            "101",
            "value must be an integer in [-100,100]",
        ),
    );
    assert_err(
        "image/contrast,-101",
        Code::InvalidArgument,
        &invalid_msg(
            "contrast",
            "value",
            "-101",
            "value must be an integer in [-100,100]",
        ),
    );
    assert_err(
        "image/sharpen,49",
        Code::InvalidArgument,
        &invalid_msg(
            "sharpen",
            "value",
            "49",
            "value must be an integer in [50,399]",
        ),
    );
    assert_err(
        "image/sharpen,400",
        Code::InvalidArgument,
        &invalid_msg(
            "sharpen",
            "value",
            "400",
            "value must be an integer in [50,399]",
        ),
    );
    assert_err(
        "image/auto-orient,2",
        Code::InvalidArgument,
        &invalid_msg(
            "auto-orient",
            "value",
            "2",
            "value must be an integer in [0,1]",
        ),
    );
    assert_err(
        "image/interlace,yes",
        Code::InvalidArgument,
        &invalid_msg(
            "interlace",
            "value",
            "yes",
            "value must be an integer in [0,1]",
        ),
    );
    assert_err(
        "image/format,heic",
        Code::InvalidArgument,
        &invalid_msg(
            "format",
            "value",
            "heic",
            "must be one of jpg, jpeg, png, webp, bmp, gif, tiff, avif",
        ),
    );
    assert_err(
        "image/bright",
        Code::MissingArgument,
        "Missing argument: the parameter value of action bright is required.",
    );
}

#[test]
fn blur_quality_info_hue() {
    assert_eq!(one("image/blur,r_3,s_2"), Op::Blur(Blur { r: 3, s: 2 }));
    assert_err(
        "image/blur,r_3",
        Code::MissingArgument,
        "Missing argument: the parameter s of action blur is required.",
    );
    assert_err(
        "image/blur,r_51,s_2",
        Code::InvalidArgument,
        &invalid_msg("blur", "r", "51", "r must be an integer in [1,50]"),
    );
    assert_eq!(
        one("image/quality,q_90"),
        Op::Quality(Quality::Relative(90))
    );
    assert_eq!(
        one("image/quality,Q_80"),
        Op::Quality(Quality::Absolute(80))
    );
    assert_eq!(
        one("image/quality,q_90,Q_80"),
        Op::Quality(Quality::Absolute(80)),
        "Q wins"
    );
    assert_eq!(one("image/quality,88"), Op::Quality(Quality::Absolute(88)));
    assert_err(
        "image/quality,q_0",
        Code::InvalidArgument,
        &invalid_msg("quality", "q", "0", "q must be an integer in [1,100]"),
    );
    assert_err(
        "image/quality,lossless",
        Code::InvalidArgument,
        &invalid_msg(
            "quality",
            "quality",
            "lossless",
            "a bare value must be an integer in [1,100]",
        ),
    );
    assert_err(
        "image/quality",
        Code::MissingArgument,
        "Missing argument: the parameter q or Q of action quality is required.",
    );
    assert_eq!(one("image/info"), Op::Info);
    assert_eq!(one("image/average-hue"), Op::AverageHue);
}

/// The malformed chain seen in real traffic gives the same message as the real service.
#[test]
fn real_traffic_quality_error() {
    let e = err("image/auto-orient,1,image/resize,w_360,h_360,l_360,limit_1,m_lfit,image/quality,88,image/format,jpg,image/interlace,1");
    // auto-orient with two values fails first here (the documented "too many values" case); the
    // quality segment alone reproduces OSS's quality message.
    assert_eq!(e.ec, Some("0040-00000203"));
    let e = err("image/quality,88,image");
    assert_eq!(e.code, Code::InvalidArgument);
    assert!(
        e.message
            .starts_with("The value: image of parameter: quality is invalid.reason:"),
        "{}",
        e.message
    );
}

#[test]
fn chains_are_bounded() {
    let ok = format!("image/{}", vec!["rotate,90"; MAX_ACTIONS].join("/"));
    assert_eq!(ops(&ok).len(), MAX_ACTIONS);
    let e = err(&format!(
        "image/{}",
        vec!["rotate,90"; MAX_ACTIONS + 1].join("/")
    ));
    assert_eq!(e.code, Code::InvalidArgument);
    assert!(e.message.contains("33 actions"), "{}", e.message);
}
