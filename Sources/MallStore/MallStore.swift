// MallStore
