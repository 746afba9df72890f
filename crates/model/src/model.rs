//! Models and request validators
//! ([Model](https://docs.aws.amazon.com/apigateway/latest/api/API_Model.html),
//! [RequestValidator](https://docs.aws.amazon.com/apigateway/latest/api/API_RequestValidator.html)).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// A named payload schema of a rest API (a JSON Schema draft 4 document for JSON content),
/// referenced by name from methods' `requestModels` and method responses' `responseModels`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// 6 lower-case alphanumerics.
    pub id: String,
    /// Alphanumeric, unique in the API; what paths and methods name the model by.
    pub name: String,
    /// Omitted when none (or an empty one) was given, as AWS does.
    pub description: Option<String>,
    /// The schema exactly as the user sent it (a JSON document in a string).
    pub schema: Option<String>,
    /// The content type the model describes, e.g. `application/json`.
    pub content_type: String,
}

/// What a method's request is checked for before it reaches the integration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestValidator {
    /// 6 lower-case alphanumerics.
    pub id: String,
    /// The validator's name.
    #[serde(default)]
    pub name: String,
    /// Check the body against the method's request model for its content type.
    #[serde(default)]
    pub validate_request_body: bool,
    /// Check that the method's required request parameters are present.
    #[serde(default)]
    pub validate_request_parameters: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shapes() {
        let m = Model {
            id: "abc123".into(),
            name: "Pet".into(),
            description: None,
            schema: Some("{\"type\":\"object\"}".into()),
            content_type: "application/json".into(),
        };
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            serde_json::json!({"id": "abc123", "name": "Pet", "schema": "{\"type\":\"object\"}", "contentType": "application/json"})
        );
        let v = RequestValidator {
            id: "v12345".into(),
            name: "body".into(),
            validate_request_body: true,
            validate_request_parameters: false,
        };
        // Recorded (test_request_validator_lifecycle): both flags always shown.
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            serde_json::json!({"id": "v12345", "name": "body", "validateRequestBody": true, "validateRequestParameters": false})
        );
    }
}
