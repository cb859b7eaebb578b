//! A slot in a model type for a fact computed above the model, once.
//!
//! Some facts about a workflow are asked for by several rules and a report section
//! (the economics model's optimisations and per-job reading). Computing them once
//! means keeping them beside the workflow; but the model must not name the types
//! of the layers above it (that is an import cycle). A [`Slot`] holds any value:
//! the module that computes the fact is the only one that fills and reads its slot,
//! with [`get_or_init`] and [`get`], and names the type there.

use std::any::Any;
use std::sync::OnceLock;

/// A value computed once, of a type the model does not know.
pub type Slot = OnceLock<Box<dyn Any + Send + Sync>>;

/// The slot's value, computed by `f` the first time. `None` only if the slot was
/// filled with another type (one module owns each slot, so it is not).
pub fn get_or_init<T: Any + Send + Sync>(slot: &Slot, f: impl FnOnce() -> T) -> Option<&T> {
    slot.get_or_init(|| Box::new(f())).downcast_ref()
}

/// The slot's value if it was computed, as `T`.
pub fn get<T: Any + Send + Sync>(slot: &Slot) -> Option<&T> {
    slot.get()?.downcast_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_once_and_reads_back_its_type() {
        let slot = Slot::new();
        assert_eq!(get::<u32>(&slot), None);
        assert_eq!(get_or_init(&slot, || 7u32), Some(&7));
        assert_eq!(get_or_init(&slot, || 8u32), Some(&7));
        assert_eq!(get::<u32>(&slot), Some(&7));
        assert_eq!(get::<String>(&slot), None);
    }
}
