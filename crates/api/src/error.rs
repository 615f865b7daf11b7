//! The one error type of the REST API. It owns every wire form: Code, HTTP status, Message, EC, the
//! extra elements (Key, BucketName, StringToSign, ...), the XML body, and the `x-oss-err` header that
//! carries the same XML on HEAD. A 5xx never shows internal text: the detail goes to the log.

use base64::Engine;

use crate::xml::Xml;

/// Every error the API answers with. The table in [`Kind::code`] / [`Kind::status`] is the only
/// place a Code and a status are written down (pinned by a test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AccessDenied,
    BadRequest,
    BucketAlreadyExists,
    BucketNotEmpty,
    EntityTooLarge,
    EntityTooSmall,
    FileAlreadyExists,
    ImageDamage,
    ImageTooLarge,
    InternalError,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidBucketName,
    InvalidDigest,
    InvalidObjectName,
    InvalidObjectState,
    InvalidPart,
    InvalidPartOrder,
    InvalidTargetType,
    MalformedXML,
    MethodNotAllowed,
    MissingArgument,
    MissingContentLength,
    NoSuchBucket,
    NoSuchKey,
    NoSuchStyle,
    NoSuchUpload,
    NotImplemented,
    NotSymlink,
    OperationNotSupported,
    PreconditionFailed,
    RequestTimeTooSkewed,
    RequestTimeout,
    RestoreAlreadyInProgress,
    ServiceUnavailable,
    SignatureDoesNotMatch,
    SymlinkTargetNotExist,
    TooManyBuckets,
    WatermarkError,
    /// 304: no body, but still an "error" in the SDKs' eyes.
    NotModified,
}

impl Kind {
    pub fn code(self) -> &'static str {
        use Kind::*;
        match self {
            AccessDenied => "AccessDenied",
            BadRequest => "BadRequest",
            BucketAlreadyExists => "BucketAlreadyExists",
            BucketNotEmpty => "BucketNotEmpty",
            EntityTooLarge => "EntityTooLarge",
            EntityTooSmall => "EntityTooSmall",
            FileAlreadyExists => "FileAlreadyExists",
            ImageDamage => "ImageDamage",
            ImageTooLarge => "ImageTooLarge",
            InternalError => "InternalError",
            InvalidAccessKeyId => "InvalidAccessKeyId",
            InvalidArgument => "InvalidArgument",
            InvalidBucketName => "InvalidBucketName",
            InvalidDigest => "InvalidDigest",
            InvalidObjectName => "InvalidObjectName",
            InvalidObjectState => "InvalidObjectState",
            InvalidPart => "InvalidPart",
            InvalidPartOrder => "InvalidPartOrder",
            InvalidTargetType => "InvalidTargetType",
            MalformedXML => "MalformedXML",
            MethodNotAllowed => "MethodNotAllowed",
            MissingArgument => "MissingArgument",
            MissingContentLength => "MissingContentLength",
            NoSuchBucket => "NoSuchBucket",
            NoSuchKey => "NoSuchKey",
            NoSuchStyle => "NoSuchStyle",
            NoSuchUpload => "NoSuchUpload",
            NotImplemented => "NotImplemented",
            NotSymlink => "NotSymlink",
            OperationNotSupported => "OperationNotSupported",
            PreconditionFailed => "PreconditionFailed",
            RequestTimeTooSkewed => "RequestTimeTooSkewed",
            RequestTimeout => "RequestTimeout",
            RestoreAlreadyInProgress => "RestoreAlreadyInProgress",
            ServiceUnavailable => "ServiceUnavailable",
            SignatureDoesNotMatch => "SignatureDoesNotMatch",
            SymlinkTargetNotExist => "SymlinkTargetNotExist",
            TooManyBuckets => "TooManyBuckets",
            WatermarkError => "WatermarkError",
            NotModified => "",
        }
    }

    pub fn status(self) -> u16 {
        use Kind::*;
        match self {
            NotModified => 304,
            BadRequest
            | EntityTooLarge
            | EntityTooSmall
            | ImageTooLarge
            | InvalidArgument
            | InvalidBucketName
            | InvalidDigest
            | InvalidObjectName
            | InvalidPart
            | InvalidPartOrder
            | InvalidTargetType
            | MalformedXML
            | MissingArgument
            | NotSymlink
            | OperationNotSupported
            | RequestTimeout
            | TooManyBuckets
            | WatermarkError => 400,
            AccessDenied
            | ImageDamage
            | InvalidAccessKeyId
            | InvalidObjectState
            | RequestTimeTooSkewed
            | SignatureDoesNotMatch => 403,
            NoSuchBucket | NoSuchKey | NoSuchStyle | NoSuchUpload | SymlinkTargetNotExist => 404,
            MethodNotAllowed => 405,
            BucketAlreadyExists | BucketNotEmpty | FileAlreadyExists | RestoreAlreadyInProgress => {
                409
            }
            MissingContentLength => 411,
            PreconditionFailed => 412,
            InternalError => 500,
            NotImplemented => 501,
            ServiceUnavailable => 503,
        }
    }
}

/// One error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: Kind,
    pub message: String,
    pub ec: Option<&'static str>,
    /// Extra elements after HostId, in order.
    pub extra: Vec<(&'static str, String)>,
    /// The `Allow` header of a 405: the methods the resource takes.
    pub allow: Option<String>,
}

impl ApiError {
    pub fn new(kind: Kind, message: impl Into<String>) -> ApiError {
        ApiError {
            kind,
            message: message.into(),
            ec: None,
            extra: Vec::new(),
            allow: None,
        }
    }

    pub fn allow(mut self, methods: impl Into<String>) -> ApiError {
        self.allow = Some(methods.into());
        self
    }

    pub fn ec(mut self, ec: &'static str) -> ApiError {
        self.ec = Some(ec);
        self
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> ApiError {
        self.extra.push((name, value.into()));
        self
    }

    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    pub fn no_such_key(key: &str) -> ApiError {
        ApiError::new(Kind::NoSuchKey, "The specified key does not exist.")
            .ec("0026-00000001")
            .with("Key", key)
    }

    pub fn no_such_bucket(bucket: &str) -> ApiError {
        ApiError::new(Kind::NoSuchBucket, "The specified bucket does not exist.")
            .ec("0015-00000101")
            .with("BucketName", bucket)
    }

    pub fn access_denied(message: impl Into<String>) -> ApiError {
        ApiError::new(Kind::AccessDenied, message)
    }

    pub fn invalid_argument(message: impl Into<String>) -> ApiError {
        ApiError::new(Kind::InvalidArgument, message)
    }

    pub fn malformed_xml() -> ApiError {
        ApiError::new(
            Kind::MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema.",
        )
        .ec("0031-00000001")
    }

    pub fn not_implemented(what: &str) -> ApiError {
        ApiError::new(
            Kind::NotImplemented,
            format!("{what} is not implemented by this server."),
        )
    }

    /// The generic 500: the real cause is logged by the caller, never sent.
    pub fn internal() -> ApiError {
        ApiError::new(
            Kind::InternalError,
            "We encountered an internal error. Please try again.",
        )
    }

    pub fn busy() -> ApiError {
        ApiError::new(
            Kind::ServiceUnavailable,
            "Please reduce your request rate: the image workers are busy.",
        )
    }

    /// The XML body, as OSS writes it.
    pub fn to_xml(&self, request_id: &str, host_id: &str) -> String {
        let mut x = Xml::for_error();
        x.open("Error");
        x.elem("Code", self.kind.code());
        x.elem("Message", &self.message);
        x.elem("RequestId", request_id);
        x.elem("HostId", host_id);
        for (name, value) in &self.extra {
            x.elem(name, value);
        }
        if let Some(ec) = self.ec {
            x.elem("EC", ec);
            x.elem(
                "RecommendDoc",
                &format!("https://api.aliyun.com/troubleshoot?q={ec}"),
            );
        }
        x.close("Error");
        x.finish()
    }

    /// `x-oss-err` for HEAD answers: the XML, base64.
    pub fn header_value(&self, request_id: &str, host_id: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.to_xml(request_id, host_id))
    }
}

impl From<cyanotype_storage::StoreError> for ApiError {
    fn from(e: cyanotype_storage::StoreError) -> Self {
        use cyanotype_storage::StoreError as S;
        match e {
            // The callers that know the names attach them (see `Ctx::store_err`).
            S::NoSuchBucket => ApiError::no_such_bucket(""),
            S::NoSuchKey => ApiError::no_such_key(""),
            S::BucketAlreadyExists => ApiError::new(
                Kind::BucketAlreadyExists,
                "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
            ),
            S::BucketNotEmpty => ApiError::new(Kind::BucketNotEmpty, "The bucket you tried to delete is not empty."),
            S::FileAlreadyExists => ApiError::new(Kind::FileAlreadyExists, "The object you specified already exists and can not be overwritten."),
            S::NoSuchUpload => ApiError::new(
                Kind::NoSuchUpload,
                "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
            )
            .ec("0042-00000002"),
            S::InvalidPart => ApiError::new(
                Kind::InvalidPart,
                "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
            ),
            S::EntityTooSmall => ApiError::new(
                Kind::EntityTooSmall,
                "Your proposed upload is smaller than the minimum allowed size: every part but the last must be at least 102400 bytes.",
            ),
            S::InvalidPartOrder => ApiError::new(
                Kind::InvalidPartOrder,
                "The list of parts was not in ascending order. Parts must be ordered by part number.",
            ),
            S::TooManyStyles => ApiError::access_denied("Your style count is exceeded 50."),
            S::Io(detail) => {
                eprintln!("storage error: {detail}");
                ApiError::internal()
            }
        }
    }
}

impl From<cyanotype_process::Error> for ApiError {
    fn from(e: cyanotype_process::Error) -> Self {
        use cyanotype_process::Code as C;
        let kind = match e.code {
            C::InvalidArgument => Kind::InvalidArgument,
            C::MissingArgument => Kind::MissingArgument,
            C::BadRequest => Kind::BadRequest,
            C::ImageTooLarge => Kind::ImageTooLarge,
            C::ImageDamage => Kind::ImageDamage,
            C::WatermarkError => Kind::WatermarkError,
            C::NotImplemented => Kind::NotImplemented,
            C::ServiceUnavailable => Kind::ServiceUnavailable,
            C::InternalError => {
                eprintln!("image processing error: {}", e.message);
                return ApiError::internal();
            }
        };
        ApiError {
            kind,
            message: e.message,
            ec: e.ec,
            extra: Vec::new(),
            allow: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_code_and_status() {
        use Kind::*;
        let table: &[(Kind, &str, u16)] = &[
            (AccessDenied, "AccessDenied", 403),
            (BadRequest, "BadRequest", 400),
            (BucketAlreadyExists, "BucketAlreadyExists", 409),
            (BucketNotEmpty, "BucketNotEmpty", 409),
            (EntityTooLarge, "EntityTooLarge", 400),
            (EntityTooSmall, "EntityTooSmall", 400),
            (FileAlreadyExists, "FileAlreadyExists", 409),
            (ImageDamage, "ImageDamage", 403),
            (ImageTooLarge, "ImageTooLarge", 400),
            (InternalError, "InternalError", 500),
            (InvalidAccessKeyId, "InvalidAccessKeyId", 403),
            (InvalidArgument, "InvalidArgument", 400),
            (InvalidBucketName, "InvalidBucketName", 400),
            (InvalidDigest, "InvalidDigest", 400),
            (InvalidObjectName, "InvalidObjectName", 400),
            (InvalidObjectState, "InvalidObjectState", 403),
            (InvalidPart, "InvalidPart", 400),
            (InvalidPartOrder, "InvalidPartOrder", 400),
            (InvalidTargetType, "InvalidTargetType", 400),
            (MalformedXML, "MalformedXML", 400),
            (MethodNotAllowed, "MethodNotAllowed", 405),
            (MissingArgument, "MissingArgument", 400),
            (MissingContentLength, "MissingContentLength", 411),
            (NoSuchBucket, "NoSuchBucket", 404),
            (NoSuchKey, "NoSuchKey", 404),
            (NoSuchStyle, "NoSuchStyle", 404),
            (NoSuchUpload, "NoSuchUpload", 404),
            (NotImplemented, "NotImplemented", 501),
            (NotSymlink, "NotSymlink", 400),
            (OperationNotSupported, "OperationNotSupported", 400),
            (PreconditionFailed, "PreconditionFailed", 412),
            (RequestTimeTooSkewed, "RequestTimeTooSkewed", 403),
            (RequestTimeout, "RequestTimeout", 400),
            (RestoreAlreadyInProgress, "RestoreAlreadyInProgress", 409),
            (ServiceUnavailable, "ServiceUnavailable", 503),
            (SignatureDoesNotMatch, "SignatureDoesNotMatch", 403),
            (SymlinkTargetNotExist, "SymlinkTargetNotExist", 404),
            (TooManyBuckets, "TooManyBuckets", 400),
            (WatermarkError, "WatermarkError", 400),
            (NotModified, "", 304),
        ];
        for (kind, code, status) in table {
            assert_eq!((kind.code(), kind.status()), (*code, *status), "{kind:?}");
        }
    }

    #[test]
    fn image_errors_keep_the_status_the_process_crate_gives() {
        use cyanotype_process::Code as C;
        for code in [
            C::InvalidArgument,
            C::MissingArgument,
            C::BadRequest,
            C::ImageTooLarge,
            C::ImageDamage,
            C::WatermarkError,
            C::NotImplemented,
            C::InternalError,
            C::ServiceUnavailable,
        ] {
            let e: ApiError = cyanotype_process::Error::new(code, "m").into();
            assert_eq!(e.status(), code.http_status(), "{code:?}");
        }
    }

    #[test]
    fn xml_and_header_forms() {
        let e = ApiError::no_such_key("a&b");
        let xml = e.to_xml("5F9C294EFBD3EC3132C30327", "b.localhost");
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>5F9C294EFBD3EC3132C30327</RequestId><HostId>b.localhost</HostId><Key>a&amp;b</Key><EC>0026-00000001</EC><RecommendDoc>https://api.aliyun.com/troubleshoot?q=0026-00000001</RecommendDoc></Error>"
        );
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(e.header_value("r", "h"))
            .unwrap();
        assert!(String::from_utf8(decoded)
            .unwrap()
            .contains("<Code>NoSuchKey</Code>"));
        // Internal details never reach the wire.
        let e: ApiError =
            cyanotype_storage::StoreError::Io("/secret/path: disk full".into()).into();
        assert!(!e.to_xml("r", "h").contains("secret"));
        assert_eq!(e.status(), 500);
    }
}
