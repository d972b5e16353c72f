// MallCore
