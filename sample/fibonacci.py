"""A small Python file to try Attention Lens on."""


def fibonacci(n):
    """Return the first n Fibonacci numbers."""
    numbers = []
    a, b = 0, 1
    for _ in range(n):
        numbers.append(a)
        a, b = b, a + b
    return numbers


def is_prime(n):
    if n < 2:
        return False
    for d in range(2, int(n ** 0.5) + 1):
        if n % d == 0:
            return False
    return True


if __name__ == "__main__":
    print(fibonacci(10))
    print([n for n in range(30) if is_prime(n)])
