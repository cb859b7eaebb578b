export default function Home() {
  return <main>VQMethod</main>;
}
