// MallIO: feed readers (CSV, JSON Lines, gzip) and output writers (CSV, XLSX, HTML).
// The only module that imports CZlib.
