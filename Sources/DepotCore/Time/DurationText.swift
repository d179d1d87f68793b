/// Durations as people read them.
public enum DurationText {
    /// `3 h 20 min`, `2 d 4 h`, `45 min`; business time stays in hours (`59 h`), since its days are not 24 hours.
    public static func of(seconds: Int64, business: Bool = false) -> String {
        let minutes = max(0, seconds) / 60
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 48 || business { return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min" }
        return hours % 24 == 0 ? "\(hours / 24) d" : "\(hours / 24) d \(hours % 24) h"
    }
}
