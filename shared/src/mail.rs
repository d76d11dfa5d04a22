//! Account mail (password resets, address verification) through SES, from the template's
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

    pub async fn send(&self, to: &str, subject: &str, text: String) -> Result<(), ApiError> {
        use aws_sdk_ses::types::{Body, Content, Destination, Message};
        let content = |data: String| Content::builder().data(data).charset("UTF-8").build().map_err(ApiError::internal);
        let message = Message::builder()
            .subject(content(subject.into())?)
            .body(Body::builder().text(content(text)?).build())
            .build();
        self.ses
            .send_email()
            .source(&self.sender)
            .destination(Destination::builder().to_addresses(to).build())
            .message(message)
            .send()
            .await
            .map_err(|e| ApiError::Unavailable(format!("sending mail: {e}")))?;
        Ok(())
    }
}
