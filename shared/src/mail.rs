//! Mail (password resets, address verification, email notifications) through SES, from the template's
//! `SenderEmail` identity.

use crate::error::ApiError;

/// Sends mail from the template's sender address.
pub struct Mailer {
    ses: aws_sdk_ses::Client,
    sender: String,
}

impl Mailer {
    pub async fn from_env() -> Mailer {
        Mailer {
            ses: aws_sdk_ses::Client::new(&crate::app::sdk_config().await),
            sender: std::env::var("SENDER_EMAIL").unwrap_or_default(),
        }
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
            .map_err(|e| ApiError::Unavailable(format!("sending mail: {e}")))?;
        Ok(sent.message_id)
    }
}
