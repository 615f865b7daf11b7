//! The errors of the x-oss-process language and of image processing, in OSS's own words.
//!
//! Every error carries the OSS `Code` (which fixes the HTTP status), a `Message` that names the action,
//! the parameter and the value, and the fine-grained `EC` where OSS documents one. The server wraps this
//! type into its wire error; the CLI prints it. Nothing here knows about HTTP beyond the status number.

use std::fmt;

/// OSS error codes used by image processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    InvalidArgument,
    MissingArgument,
    BadRequest,
    ImageTooLarge,
    /// The source bytes are not an image we can read (corrupt, truncated or an unsupported variant).
    /// OSS answers such sources with `ImageDamage` / "The image file may be damaged".
    ImageDamage,
    /// A watermark could not be made: its image object is missing or not a readable image.
    WatermarkError,
    NotImplemented,
    InternalError,
    /// Processing ran past the server's time limit (ours: OSS documents none). A server-side
    /// condition, as when the workers are busy: the same request may pass on an idle server.
    ServiceUnavailable,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidArgument => "InvalidArgument",
            Code::MissingArgument => "MissingArgument",
            Code::BadRequest => "BadRequest",
            Code::ImageTooLarge => "ImageTooLarge",
            Code::ImageDamage => "ImageDamage",
            Code::WatermarkError => "WatermarkError",
            Code::NotImplemented => "NotImplemented",
            Code::InternalError => "InternalError",
            Code::ServiceUnavailable => "ServiceUnavailable",
        }
    }

    /// The HTTP status OSS answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            Code::InvalidArgument
            | Code::MissingArgument
            | Code::BadRequest
            | Code::ImageTooLarge
            | Code::WatermarkError => 400,
            // OSS: the 403 page lists ImageDamage with status 403.
            Code::ImageDamage => 403,
            Code::NotImplemented => 501,
            Code::InternalError => 500,
            Code::ServiceUnavailable => 503,
        }
    }
}

/// One image-processing error, ready to be shown to an OSS client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: Code,
    pub message: String,
    /// OSS's fine-grained error code (`0040-xxxxxxxx`), where OSS documents one for this case.
    pub ec: Option<&'static str>,
}

/// Documented IMG error codes (EC), each named after the case it covers.
pub mod ec {
    pub const TOO_MANY_VALUES: &str = "0040-00000203";
    pub const RESIZE_BAD_MODE: &str = "0040-00000311";
    pub const TARGET_TOO_LARGE: &str = "0040-00000007";
    pub const SOURCE_TOO_LARGE: &str = "0040-00000009";
    pub const CROP_BAD_VALUE: &str = "0040-00000225";
    pub const ROTATE_MISSING: &str = "0040-00000216";
    pub const ROTATE_BAD_VALUE: &str = "0040-00000217";
    pub const WATERMARK_OBJECT_MISSING: &str = "0040-00000025";
    pub const WATERMARK_BAD_FORMAT: &str = "0040-00000027";
    pub const WATERMARK_TEXT_EMPTY: &str = "0040-00000258";
    pub const WATERMARK_TEXT_TOO_LONG: &str = "0040-00000259";
    pub const WATERMARK_NOT_BASE64: &str = "0040-00000265";
    pub const WATERMARK_BAD_ROTATE: &str = "0040-00000272";
    pub const WATERMARK_BAD_PADDING: &str = "0040-00000276";
    pub const WATERMARK_NOTHING: &str = "0040-00000278";
    pub const WATERMARK_NESTED: &str = "0040-00000373";
    pub const WATERMARK_PRE_INFO: &str = "0040-00000374";
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            ec: None,
        }
    }

    pub fn with_ec(mut self, ec: &'static str) -> Self {
        self.ec = Some(ec);
        self
    }

    /// `InvalidArgument` in OSS's template: `The value: <v> of parameter: <p> is invalid.reason:<why>`.
    /// The reason starts with the action so that the message names action, parameter and value.
    pub fn invalid(action: &str, param: &str, value: &str, why: impl fmt::Display) -> Self {
        Error::new(
            Code::InvalidArgument,
            format!("The value: {value} of parameter: {param} is invalid.reason:{action} {why}"),
        )
    }

    /// A required parameter is absent.
    pub fn missing(action: &str, param: &str) -> Self {
        Error::new(
            Code::MissingArgument,
            format!("Missing argument: the parameter {param} of action {action} is required."),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::new(Code::BadRequest, message)
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Error::new(Code::ImageTooLarge, message)
    }

    pub fn damaged(detail: impl fmt::Display) -> Self {
        Error::new(
            Code::ImageDamage,
            format!("The image file may be damaged: {detail}"),
        )
    }

    pub fn internal() -> Self {
        Error::new(
            Code::InternalError,
            "We encountered an internal error. Please try again.",
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(ec) = self.ec {
            write!(f, " (EC {ec})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
