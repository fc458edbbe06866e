// mvae/core/option_table.hpp — the named settings of an options struct, in one table: how the
// struct goes to and from "key=value" text (model files, logs), how one setting is changed by
// name (registry overrides, the command line), and which command-line flag spells it.
//
// One entry per setting is the point: a setting added to the struct and to its table is saved,
// restored, printed and settable from the command line at once; an unknown key or an unparsable
// or unknown value is refused with an error naming the key and the value.
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "mvae/core/error.hpp"

namespace mvae {

/// One setting of T.
template <class T>
struct OptionField {
    std::string key;   ///< the name in text ("als_lambda")
    std::string flag;  ///< the command-line spelling without "--" ("als-lambda"); empty: not a flag
    std::string help;  ///< one line for --help
    bool is_switch = false;  ///< a flag without a value: giving it sets the value `switch_value`
    std::string switch_value;
    std::function<void(T&, std::string_view)> set;  ///< parses and stores a value; throws ArgumentError
    std::function<std::string(const T&)> get;       ///< the value as text; empty for write-only aliases
};

/// Every setting of T; see the file comment.
template <class T>
class OptionTable {
public:
    /**
     * A number or bool reached by `access(T&) -> field&`. Numbers are written with 17 significant
     * digits (they read back exactly); bools as 0/1 (true/false are read too). A negative value
     * for an unsigned field, trailing characters or an empty value are refused.
     */
    template <class Access>
    OptionTable& number(std::string key, std::string flag, Access access, std::string help) {
        using F = std::remove_cvref_t<decltype(access(std::declval<T&>()))>;
        OptionField<T> f{std::move(key), std::move(flag), std::move(help), std::is_same_v<F, bool>, "1", {}, {}};
        f.set = [access, key = f.key](T& t, std::string_view value) { access(t) = parse_number<F>(key, value); };
        f.get = [access](const T& t) { return format_number(access(const_cast<T&>(t))); };
        fields_.push_back(std::move(f));
        return *this;
    }

    /// A value with its own parse(string_view) -> F (which throws ArgumentError on an unknown
    /// name) and to_string(F) -> text, e.g. an enum.
    template <class Access, class Parse, class Print>
    OptionTable& choice(std::string key, std::string flag, Access access, Parse parse, Print print, std::string help) {
        OptionField<T> f{std::move(key), std::move(flag), std::move(help), false, {}, {}, {}};
        f.set = [access, parse](T& t, std::string_view value) { access(t) = parse(value); };
        f.get = [access, print](const T& t) { return std::string(print(access(const_cast<T&>(t)))); };
        fields_.push_back(std::move(f));
        return *this;
    }

    /// A write-only entry (a flag or key that sets other fields, or a bool flag that sets
    /// `value` without an argument when `is_switch`); never written by to_text().
    OptionTable& alias(std::string key, std::string flag, std::function<void(T&, std::string_view)> set,
                       std::string help, bool is_switch = false, std::string switch_value = {}) {
        fields_.push_back({std::move(key), std::move(flag), std::move(help), is_switch, std::move(switch_value),
                           std::move(set), {}});
        return *this;
    }

    [[nodiscard]] const std::vector<OptionField<T>>& fields() const noexcept { return fields_; }

    /// The entry for `key`, or nullptr.
    [[nodiscard]] const OptionField<T>* find(std::string_view key) const noexcept {
        for (const auto& f : fields_)
            if (f.key == key) return &f;
        return nullptr;
    }

    /// Sets one setting by name. Throws ArgumentError for an unknown key (listing the known ones)
    /// or a bad value (naming both).
    void set(T& target, std::string_view key, std::string_view value) const {
        const OptionField<T>* f = find(key);
        if (f == nullptr) {
            std::string known;
            for (const auto& e : fields_) known += (known.empty() ? "" : ", ") + e.key;
            throw ArgumentError(detail::error_message("unknown option '", key, "' (known: ", known, ")"));
        }
        f->set(target, value);
    }

    /// Every readable setting as "key=value" lines, in table order.
    [[nodiscard]] std::string to_text(const T& value) const {
        std::string out;
        for (const auto& f : fields_)
            if (f.get) out += f.key + "=" + f.get(value) + "\n";
        return out;
    }

    /**
     * Applies to_text()'s lines to `start` (settings absent from the text keep their value there).
     * Empty lines are skipped; a line without '=', an unknown key or a bad value is a ParseError
     * naming `source` and the line.
     */
    [[nodiscard]] T from_text(const std::string& text, const std::string& source, T start = {}) const {
        std::istringstream in(text);
        std::string line;
        std::size_t number = 0;
        while (std::getline(in, line)) {
            ++number;
            if (line.empty()) continue;
            const auto eq = line.find('=');
            if (eq == std::string::npos) throw ParseError(source, number, "options: expected key=value, found '" + line + "'");
            try {
                set(start, std::string_view(line).substr(0, eq), std::string_view(line).substr(eq + 1));
            } catch (const ArgumentError& e) {
                throw ParseError(source, number, std::string("options: ") + e.what());
            }
        }
        return start;
    }

private:
    template <class F>
    static F parse_number(const std::string& key, std::string_view value) {
        const auto bad = [&](const char* why) {
            return ArgumentError(detail::error_message("option ", key, ": '", value, "' is not ", why));
        };
        if constexpr (std::is_same_v<F, bool>) {
            if (value == "1" || value == "true") return true;
            if (value == "0" || value == "false") return false;
            throw bad("a bool (0, 1, true or false)");
        } else {
            if constexpr (std::is_unsigned_v<F>)
                if (!value.empty() && value.front() == '-') throw bad("a non-negative integer");
            F v{};
            const char* end = value.data() + value.size();
            const auto [ptr, ec] = std::from_chars(value.data(), end, v);
            if (value.empty() || ec != std::errc() || ptr != end)
                throw bad(std::is_integral_v<F> ? "an integer in range" : "a number");
            return v;
        }
    }

    template <class F>
    static std::string format_number(const F& v) {
        std::ostringstream s;
        s.precision(17);
        s << v;
        return s.str();
    }

    std::vector<OptionField<T>> fields_;
};

}  // namespace mvae
