//! DefaultBinder (`plugins/defaultbinder`): binds the pod through the `pods/binding`
//! subresource. The default profile's only Bind plugin.

use crate::scheduler::framework::{BindPlugin, ClusterClient, CycleState, Plugin, PodInfo, Status};

/// Registry name.
pub const NAME: &str = "DefaultBinder";

/// The DefaultBinder plugin.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultBinder;

impl Plugin for DefaultBinder {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_bind(&self) -> Option<&dyn BindPlugin> {
        Some(self)
    }
}

impl BindPlugin for DefaultBinder {
    fn bind(
        &self,
        _state: &mut CycleState,
        pod: &PodInfo<'_>,
        node_name: &str,
        client: &mut dyn ClusterClient,
    ) -> Status {
        match client.bind_pod(pod.namespace, pod.name, node_name) {
            Ok(()) => Status::success(),
            Err(message) => Status::error(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::testing::{PodBuilder, RecordingClient, pod};

    #[test]
    fn binds_through_the_client() {
        let spec = PodBuilder::new().build();
        let mut client = RecordingClient::default();
        let status = DefaultBinder.bind(&mut CycleState::new(), &pod(&spec), "n1", &mut client);
        assert!(status.is_success());
        assert_eq!(client.calls, ["bind default/p to n1"]);
        client.fail = Some("the server is unavailable".into());
        let status = DefaultBinder.bind(&mut CycleState::new(), &pod(&spec), "n1", &mut client);
        assert!(status.is_error());
        assert_eq!(status.message(), "the server is unavailable");
    }
}
