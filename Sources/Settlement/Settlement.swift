// Settlement
