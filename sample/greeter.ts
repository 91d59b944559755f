// A small TypeScript file to try Attention Lens on: select a few lines and run
// "Attention Lens: Inspect Selection".
export interface Person {
  name: string;
  age: number;
}

export function greet(person: Person): string {
  return `Hello, ${person.name}! You are ${person.age} years old.`;
}

export function oldest(people: Person[]): Person | undefined {
  let best: Person | undefined;
  for (const person of people) {
    if (!best || person.age > best.age) {
      best = person;
    }
  }
  return best;
}
