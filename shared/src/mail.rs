//! Mail (password resets, address verification, email notifications) through SES, from the template's
//! `SenderEmail` identity.

use crate::error::ApiError;

/// The code of a mail SES refused for good (not worth sending again).
pub const REJECTED: &str = "mail_rejected";

/// Sends mail from the template's sender address.
pub struct Mailer {
    ses: aws_sdk_ses::Client,
    sender: String,
}

impl Mailer {
    pub async fn from_env() -> Mailer {
        Mailer::sending_with(aws_sdk_ses::Client::new(&crate::app::sdk_config().await))
    }

    /// A mailer that sends each mail in one attempt: the SDK's retries would send a mail again
    /// after a lost reply, and a tracked delivery retries on its own terms.
    pub async fn single_attempt_from_env() -> Mailer {
        let config = crate::app::sdk_config().await;
        let config = aws_sdk_ses::config::Builder::from(&config)
            .retry_config(aws_sdk_ses::config::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        Mailer::sending_with(aws_sdk_ses::Client::from_conf(config))
    }

    /// Mail through `ses` from the template's sender address.
    fn sending_with(ses: aws_sdk_ses::Client) -> Mailer {
        Mailer { ses, sender: std::env::var("SENDER_EMAIL").unwrap_or_default() }
    }

    /// Sends one mail; returns SES's message id.
    pub async fn send(&self, to: &str, subject: &str, text: String) -> Result<String, ApiError> {
        use aws_sdk_ses::types::{Body, Content, Destination, Message};
        let content = |data: String| Content::builder().data(data).charset("UTF-8").build().map_err(ApiError::internal);
        let message = Message::builder()
            .subject(content(subject.into())?)
            .body(Body::builder().text(content(text)?).build())
            .build();
        let sent = self
            .ses
            .send_email()
            .source(&self.sender)
            .destination(Destination::builder().to_addresses(to).build())
            .message(message)
            .send()
            .await
            .map_err(|e| match e.as_service_error().map(|s| s.is_message_rejected()) {
                // SES refused this mail for good: sending it again changes nothing.
                Some(true) => ApiError::Rule { code: REJECTED, field: None, detail: "SES rejected the mail".into() },
                _ => ApiError::Unavailable(format!("sending mail: {e}")),
            })?;
        Ok(sent.message_id)
    }
}
