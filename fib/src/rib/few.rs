//! [`Few`]: a list that is almost always one element long, kept inline in that case.
//!
//! Nearly every destination holds one route and nearly every static route has one next hop;
//! storing those in a `Vec` would cost a heap allocation (and its 16+ bytes of malloc overhead)
//! per route. `Few` keeps a single element inline and boxes a slice only for zero or several.

/// One element inline, or a boxed slice (empty or longer than one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Few<T> {
    One(T),
    Many(Box<[T]>),
}

impl<T> Default for Few<T> {
    fn default() -> Self {
        Few::Many(Box::new([]))
    }
}

impl<T> Few<T> {
    pub(super) fn from_vec(mut v: Vec<T>) -> Self {
        if v.len() == 1 {
            if let Some(t) = v.pop() {
                return Few::One(t);
            }
        }
        Few::Many(v.into_boxed_slice())
    }

    pub(super) fn as_slice(&self) -> &[T] {
        match self {
            Few::One(t) => std::slice::from_ref(t),
            Few::Many(b) => b,
        }
    }

    pub(super) fn as_mut_slice(&mut self) -> &mut [T] {
        match self {
            Few::One(t) => std::slice::from_mut(t),
            Few::Many(b) => b,
        }
    }

    pub(super) fn into_vec(self) -> Vec<T> {
        match self {
            Few::One(t) => vec![t],
            Few::Many(b) => b.into_vec(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    pub(super) fn len(&self) -> usize {
        self.as_slice().len()
    }

    pub(super) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    /// Rewrites the list through a `Vec` (infallible: `f` only edits the vector).
    pub(super) fn edit(&mut self, f: impl FnOnce(&mut Vec<T>)) {
        let mut v = std::mem::take(self).into_vec();
        f(&mut v);
        *self = Few::from_vec(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_inline_and_edits_round_trip() {
        let mut f = Few::from_vec(vec![1]);
        assert!(matches!(f, Few::One(1)));
        f.edit(|v| v.push(2));
        assert_eq!(f.as_slice(), &[1, 2]);
        f.edit(|v| v.retain(|x| *x == 2));
        assert!(matches!(f, Few::One(2)));
        f.edit(|v| v.clear());
        assert!(f.is_empty());
        assert_eq!(f.len(), 0);
        assert_eq!(Few::<u8>::default(), Few::Many(Box::new([])));
    }
}
