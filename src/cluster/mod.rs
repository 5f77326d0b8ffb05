//! The cluster: its stores, the event set, the effects controllers return, and the world that
//! ties the components together and implements the engine's model.

pub mod admission;
pub mod binding;
pub mod effects;
pub mod endpoints;
pub mod events;
pub mod lister;
pub mod scheduling_record;
pub mod selectors;
pub mod state;
pub mod traffic;
pub mod world;

pub use world::World;
