// mvae/core/error.hpp — the exception hierarchy every mvae component throws.
//
// Every failure the library can detect is reported as an mvae::Error (or a subclass) whose message
// names the offending input: a file and line, an option and its value, or the expected and the
// actual shape. Callers who only care that something failed catch mvae::Error; callers who want
// to react to a kind of failure catch the subclass.
#pragma once

#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace mvae {

/// Base class of every exception thrown by mvae.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A file could not be opened, read or written.
class IoError : public Error {
public:
    using Error::Error;
};

/// The content of an input (a file, a string) is malformed. The message starts with
/// "FILE:LINE: " whenever a line is known.
class ParseError : public Error {
public:
    ParseError(const std::string& source, std::size_t line, const std::string& what)
        : Error(format(source, line, what)), source_(source), line_(line) {}

    /// The file (or other source) the error was found in.
    [[nodiscard]] const std::string& source() const noexcept { return source_; }
    /// The 1-based line of the error, or 0 when it concerns the whole source.
    [[nodiscard]] std::size_t line() const noexcept { return line_; }

private:
    static std::string format(const std::string& source, std::size_t line, const std::string& what) {
        std::ostringstream os;
        os << source;
        if (line > 0) os << ':' << line;
        os << ": " << what;
        return os.str();
    }

    std::string source_;
    std::size_t line_;
};

/// An argument or option has a value outside its domain.
class ArgumentError : public Error {
public:
    using Error::Error;
};

/// Two operands disagree in shape, or an operand's shape is not the one a function requires.
class ShapeError : public Error {
public:
    using Error::Error;
};

/// A computation produced a non-finite value (NaN or infinity) where a finite one is required.
class NumericalError : public Error {
public:
    using Error::Error;
};

namespace detail {

/// Builds a message from any streamable parts: error_message("expected ", 3, " got ", 4).
template <class... Parts>
[[nodiscard]] std::string error_message(Parts&&... parts) {
    std::ostringstream os;
    (os << ... << std::forward<Parts>(parts));
    return os.str();
}

}  // namespace detail

/// Throws ArgumentError built from `parts` unless `condition` holds.
template <class... Parts>
void require_argument(bool condition, Parts&&... parts) {
    if (!condition) throw ArgumentError(detail::error_message(std::forward<Parts>(parts)...));
}

/// Throws ShapeError built from `parts` unless `condition` holds.
template <class... Parts>
void require_shape(bool condition, Parts&&... parts) {
    if (!condition) throw ShapeError(detail::error_message(std::forward<Parts>(parts)...));
}

}  // namespace mvae
